"""An in-process fake engine: a real gRPC server with scripted answers."""
from __future__ import annotations

import threading
import time
from concurrent import futures
from dataclasses import dataclass, field
from typing import Any

import grpc
import orjson

from gateway.errors import ERROR_DETAIL_KEY
from protos import engine_pb2, engine_pb2_grpc

PARSE_RESULT = {
    "text": "hello there",
    "intent": {"name": "greet", "confidence": 0.98},
    "entities": [],
    "intent_ranking": [{"name": "greet", "confidence": 0.98}],
    "count": 120,
}

TRACKER = {
    "sender_id": "u1",
    "slots": {},
    "latest_message": {"text": None, "intent": {}, "entities": [], "message_id": None, "metadata": {}},
    "events": [],
    "paused": False,
}

STORY = 'version: "3.1"\nstories:\n- story: u1\n  steps:\n  - intent: greet\n    user: |-\n      hi\n'
PREDICTION = {
    "scores": [{"action": "utter_greet", "score": 1.0}, {"action": "action_listen", "score": 0.0}],
    "policy": "MemoizationPolicy",
    "confidence": 1.0,
}
DOMAIN = {"version": "3.1", "intents": ["greet"], "responses": {"utter_greet": [{"text": "hi"}]}}
ARCHIVE_NAME = "20240101-120000-brave-dog.tar.gz"
STORIES_REPORT = {
    "report": {}, "precision": 1.0, "f1": 1.0, "accuracy": 1.0, "actions": [],
    "in_training_data_fraction": 1.0, "is_end_to_end_evaluation": False,
}
INTENTS_REPORT = {"intent_evaluation": {}, "entity_evaluation": {}, "response_selection_evaluation": {}}


@dataclass
class Failure:
    """How the fake fails an RPC."""

    code: grpc.StatusCode
    message: str = ""
    reason: str | None = None
    details: dict[str, Any] | None = None
    help: str = ""


@dataclass
class FakeEngine(engine_pb2_grpc.EngineServicer):
    """Engine servicer answering canned JSON and recording every request."""

    requests: list[tuple[str, Any]] = field(default_factory=list)
    failures: dict[str, Failure] = field(default_factory=dict)
    messages: list[dict[str, Any]] = field(default_factory=list)
    fingerprint: dict[str, Any] = field(default_factory=lambda: {"config": "abc", "nlu": 7})
    jobs: list[dict[str, Any]] = field(default_factory=list)
    delay: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)
    latest_input_channel: str = ""
    archive: bytes = b"0123456789abcdef-archive"

    def reset(self) -> None:
        """Forget requests and scripted behaviour."""
        with self.lock:
            self.requests.clear()
            self.failures.clear()
            self.messages = []
            self.delay = 0.0
            self.latest_input_channel = ""
            self.archive = b"0123456789abcdef-archive"

    def last(self, rpc: str) -> Any:
        """Return the last request of ``rpc``."""
        return [r for name, r in self.requests if name == rpc][-1]

    def _enter(self, rpc: str, request: Any, context: grpc.ServicerContext) -> None:
        with self.lock:
            self.requests.append((rpc, request))
        if self.delay:
            time.sleep(self.delay)
        failure = self.failures.get(rpc)
        if failure is None:
            return
        if failure.reason is not None:
            detail = engine_pb2.ErrorDetail(
                reason=failure.reason,
                message=failure.message,
                details_json=orjson.dumps(failure.details) if failure.details else b"",
                help=failure.help,
            )
            context.set_trailing_metadata(((ERROR_DETAIL_KEY, detail.SerializeToString()),))
        context.abort(failure.code, failure.message)

    def GetVersion(self, request: Any, context: grpc.ServicerContext) -> Any:
        self._enter("GetVersion", request, context)
        return engine_pb2.GetVersionResponse(version="9.9.9", minimum_compatible_version="9.0.0")

    def GetStatus(self, request: Any, context: grpc.ServicerContext) -> Any:
        self._enter("GetStatus", request, context)
        return engine_pb2.GetStatusResponse(
            model_file="20240101-120000-brave-dog.tar.gz",
            model_id="abc123",
            fingerprint_json=orjson.dumps(self.fingerprint) if self.fingerprint else b"",
            num_active_training_jobs=2,
            model_path="/models/20240101-120000-brave-dog.tar.gz",
            jobs_json=orjson.dumps(self.jobs) if self.jobs else b"",
        )

    def Parse(self, request: Any, context: grpc.ServicerContext) -> Any:
        self._enter("Parse", request, context)
        return engine_pb2.ParseResponse(parse_json=orjson.dumps({**PARSE_RESULT, "text": request.text}))

    def HandleMessage(self, request: Any, context: grpc.ServicerContext) -> Any:
        self._enter("HandleMessage", request, context)
        return engine_pb2.HandleMessageResponse(messages_json=orjson.dumps(self.messages))

    def GetTracker(self, request: Any, context: grpc.ServicerContext) -> Any:
        self._enter("GetTracker", request, context)
        return engine_pb2.GetTrackerResponse(
            tracker_json=orjson.dumps({**TRACKER, "sender_id": request.conversation_id})
        )

    # -- HTTP API endpoints ------------------------------------------------------

    def _tracker(self, conversation_id: str) -> bytes:
        return orjson.dumps({**TRACKER, "sender_id": conversation_id})

    def _turn(self, rpc: str, request: Any, context: grpc.ServicerContext) -> Any:
        self._enter(rpc, request, context)
        channel = request.output_channel
        if channel == "latest":
            channel = self.latest_input_channel
        return engine_pb2.ConversationTurnResponse(
            tracker_json=self._tracker(request.conversation_id),
            messages_json=orjson.dumps(self.messages),
            output_channel=channel,
            latest_input_channel=self.latest_input_channel,
        )

    def AppendEvents(self, request: Any, context: grpc.ServicerContext) -> Any:
        self._enter("AppendEvents", request, context)
        return engine_pb2.AppendEventsResponse(
            tracker_json=self._tracker(request.conversation_id),
            messages_json=orjson.dumps(self.messages if request.execute_side_effects else []),
            output_channel="" if request.output_channel == "latest" else request.output_channel,
        )

    def ReplaceEvents(self, request: Any, context: grpc.ServicerContext) -> Any:
        self._enter("ReplaceEvents", request, context)
        return engine_pb2.ReplaceEventsResponse(tracker_json=self._tracker(request.conversation_id))

    def GetStory(self, request: Any, context: grpc.ServicerContext) -> Any:
        self._enter("GetStory", request, context)
        return engine_pb2.GetStoryResponse(story_yaml=STORY)

    def ExecuteAction(self, request: Any, context: grpc.ServicerContext) -> Any:
        return self._turn("ExecuteAction", request, context)

    def TriggerIntent(self, request: Any, context: grpc.ServicerContext) -> Any:
        return self._turn("TriggerIntent", request, context)

    def PredictNextAction(self, request: Any, context: grpc.ServicerContext) -> Any:
        self._enter("PredictNextAction", request, context)
        return engine_pb2.PredictionResponse(prediction_json=orjson.dumps(
            {**PREDICTION, "tracker": {**TRACKER, "sender_id": request.conversation_id}}))

    def AddMessage(self, request: Any, context: grpc.ServicerContext) -> Any:
        self._enter("AddMessage", request, context)
        return engine_pb2.AddMessageResponse(tracker_json=self._tracker(request.conversation_id))

    def PredictFromEvents(self, request: Any, context: grpc.ServicerContext) -> Any:
        self._enter("PredictFromEvents", request, context)
        return engine_pb2.PredictionResponse(prediction_json=orjson.dumps(
            {**PREDICTION, "tracker": {**TRACKER, "sender_id": "default"}}))

    def LoadModel(self, request: Any, context: grpc.ServicerContext) -> Any:
        self._enter("LoadModel", request, context)
        return engine_pb2.LoadModelResponse(model_file="new.tar.gz", model_id="new")

    def UnloadModel(self, request: Any, context: grpc.ServicerContext) -> Any:
        self._enter("UnloadModel", request, context)
        return engine_pb2.UnloadModelResponse()

    def GetDomain(self, request: Any, context: grpc.ServicerContext) -> Any:
        self._enter("GetDomain", request, context)
        if request.format == engine_pb2.DOMAIN_FORMAT_YAML:
            return engine_pb2.GetDomainResponse(domain=b"version: '3.1'\nintents:\n- greet\n")
        return engine_pb2.GetDomainResponse(domain=orjson.dumps(DOMAIN))

    def Train(self, request: Any, context: grpc.ServicerContext) -> Any:
        self._enter("Train", request, context)
        data = self.archive
        pieces = [data[i:i + 4] for i in range(0, len(data), 4)] or [b""]
        for number, piece in enumerate(pieces):
            if number == 0:
                yield engine_pb2.TrainResponseChunk(filename=ARCHIVE_NAME, size=len(data), data=piece)
            else:
                yield engine_pb2.TrainResponseChunk(data=piece)

    def EvaluateStories(self, request: Any, context: grpc.ServicerContext) -> Any:
        self._enter("EvaluateStories", request, context)
        return engine_pb2.EvaluationResponse(report_json=orjson.dumps(
            {**STORIES_REPORT, "is_end_to_end_evaluation": request.e2e}))

    def EvaluateIntents(self, request: Any, context: grpc.ServicerContext) -> Any:
        self._enter("EvaluateIntents", request, context)
        return engine_pb2.EvaluationResponse(report_json=orjson.dumps(INTENTS_REPORT))


class FakeEngineServer:
    """A sync gRPC server on a free loopback port serving a :class:`FakeEngine`."""

    def __init__(self) -> None:
        self.engine = FakeEngine()
        self.server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
        engine_pb2_grpc.add_EngineServicer_to_server(self.engine, self.server)
        self.port = self.server.add_insecure_port("127.0.0.1:0")
        self.address = f"127.0.0.1:{self.port}"

    def start(self) -> None:
        """Start serving."""
        self.server.start()

    def stop(self) -> None:
        """Stop at once."""
        self.server.stop(grace=None)
