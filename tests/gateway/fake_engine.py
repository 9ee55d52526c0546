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
    delay: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def reset(self) -> None:
        """Forget requests and scripted behaviour."""
        with self.lock:
            self.requests.clear()
            self.failures.clear()
            self.messages = []
            self.delay = 0.0

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
