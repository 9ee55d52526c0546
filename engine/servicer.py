"""The gRPC servicer: one method per RPC, converting and delegating only."""
from __future__ import annotations

import functools
import logging
from typing import Any, Callable, Iterator

from engine import wire
from engine.agent import Agent
from engine.errors import EngineError, abort_with, grpc_errors
from engine.nlu.emulators import check_mode, emulate
from engine.version import MINIMUM_COMPATIBLE_VERSION, parley_version
from protos import engine_pb2, engine_pb2_grpc

logger = logging.getLogger(__name__)


def grpc_stream_errors(method: Callable[..., Iterator[Any]]) -> Callable[..., Iterator[Any]]:
    """Like :func:`engine.errors.grpc_errors`, for server-streaming methods."""

    @functools.wraps(method)
    def wrapper(self: Any, request: Any, context: Any) -> Iterator[Any]:
        try:
            yield from method(self, request, context)
        except EngineError as ex:
            abort_with(context, ex)
        except Exception:  # process boundary: never leak a traceback
            logger.exception("unexpected error in %s", method.__name__)
            abort_with(context, EngineError("An unexpected error occurred in the engine."))

    return wrapper


class EngineServicer(engine_pb2_grpc.EngineServicer):
    """Serves ``parley.engine.v1.Engine`` from an :class:`Agent`."""

    def __init__(self, agent: Agent) -> None:
        self.agent = agent

    @grpc_errors
    def GetVersion(self, request: engine_pb2.GetVersionRequest, context: Any) -> engine_pb2.GetVersionResponse:
        """Return the engine's version."""
        return engine_pb2.GetVersionResponse(
            version=parley_version(), minimum_compatible_version=MINIMUM_COMPATIBLE_VERSION
        )

    @grpc_errors
    def GetStatus(self, request: engine_pb2.GetStatusRequest, context: Any) -> engine_pb2.GetStatusResponse:
        """Return the loaded model and training job count."""
        status = self.agent.status()
        return engine_pb2.GetStatusResponse(
            model_file=status["model_file"],
            model_id=status["model_id"],
            fingerprint_json=wire.to_json(status["fingerprint"]),
            num_active_training_jobs=status["num_active_training_jobs"],
            model_path=status["model_path"],
            jobs_json=wire.to_json(status["jobs"]),
        )

    @grpc_errors
    def Parse(self, request: engine_pb2.ParseRequest, context: Any) -> engine_pb2.ParseResponse:
        """Parse a text with the loaded model."""
        mode = check_mode(request.emulation_mode) if request.emulation_mode else ""
        result = self.agent.parse(request.text, request.message_id or None)
        if mode:
            result = emulate(mode, result)
        return engine_pb2.ParseResponse(parse_json=wire.to_json(result))

    @grpc_errors
    def HandleMessage(
        self, request: engine_pb2.HandleMessageRequest, context: Any
    ) -> engine_pb2.HandleMessageResponse:
        """Handle one user message."""
        messages = self.agent.handle_message(
            request.conversation_id,
            request.text,
            input_channel=request.input_channel or "rest",
            metadata=wire.json_object(request.metadata_json, "metadata"),
            message_id=request.message_id or None,
            output_channel=request.output_channel or None,
        )
        return engine_pb2.HandleMessageResponse(messages_json=wire.to_json(messages))

    @grpc_errors
    def GetTracker(self, request: engine_pb2.GetTrackerRequest, context: Any) -> engine_pb2.GetTrackerResponse:
        """Return a conversation's tracker."""
        until = request.until if request.HasField("until") else None
        tracker = self.agent.get_tracker(
            request.conversation_id, wire.verbosity(request.include_events), until
        )
        return engine_pb2.GetTrackerResponse(tracker_json=wire.to_json(tracker))

    @grpc_errors
    def AppendEvents(self, request: engine_pb2.AppendEventsRequest, context: Any) -> engine_pb2.AppendEventsResponse:
        """Append events to a conversation."""
        from engine.api.event_validation import decode_events

        result = self.agent.append_events(
            request.conversation_id,
            decode_events(request.events_json),
            verbosity=wire.verbosity(request.include_events),
            execute_side_effects=request.execute_side_effects,
            output_channel=request.output_channel or None,
        )
        return engine_pb2.AppendEventsResponse(
            tracker_json=wire.to_json(result.tracker),
            messages_json=wire.to_json(result.messages),
            output_channel=result.output_channel or "",
            latest_input_channel=result.latest_input_channel or "",
        )

    @grpc_errors
    def ReplaceEvents(self, request: engine_pb2.ReplaceEventsRequest, context: Any) -> engine_pb2.ReplaceEventsResponse:
        """Replace a conversation's events."""
        from engine.api.event_validation import decode_events

        tracker = self.agent.replace_events(
            request.conversation_id, decode_events(request.events_json),
            verbosity=wire.verbosity(request.include_events),
        )
        return engine_pb2.ReplaceEventsResponse(tracker_json=wire.to_json(tracker))

    @grpc_errors
    def GetStory(self, request: engine_pb2.GetStoryRequest, context: Any) -> engine_pb2.GetStoryResponse:
        """Return a conversation as YAML test stories."""
        story = self.agent.story(
            request.conversation_id, all_sessions=request.all_sessions, until=wire.optional(request, "until")
        )
        return engine_pb2.GetStoryResponse(story_yaml=story)

    @grpc_errors
    def ExecuteAction(
        self, request: engine_pb2.ExecuteActionRequest, context: Any
    ) -> engine_pb2.ConversationTurnResponse:
        """Run one action in a conversation."""
        result = self.agent.execute_action(
            request.conversation_id,
            request.action_name,
            policy=request.policy or None,
            confidence=wire.optional(request, "confidence"),
            verbosity=wire.verbosity(request.include_events),
            output_channel=request.output_channel or None,
        )
        return wire.turn_response(result)

    @grpc_errors
    def TriggerIntent(
        self, request: engine_pb2.TriggerIntentRequest, context: Any
    ) -> engine_pb2.ConversationTurnResponse:
        """Inject an intent into a conversation and act on it."""
        result = self.agent.trigger_intent(
            request.conversation_id,
            request.intent,
            wire.json_value(request.entities_json, "entities"),
            verbosity=wire.verbosity(request.include_events),
            output_channel=request.output_channel or None,
        )
        return wire.turn_response(result)

    @grpc_errors
    def PredictNextAction(
        self, request: engine_pb2.PredictNextActionRequest, context: Any
    ) -> engine_pb2.PredictionResponse:
        """Predict a conversation's next action."""
        prediction = self.agent.predict(request.conversation_id, verbosity=wire.verbosity(request.include_events))
        return engine_pb2.PredictionResponse(prediction_json=wire.to_json(prediction))

    @grpc_errors
    def AddMessage(self, request: engine_pb2.AddMessageRequest, context: Any) -> engine_pb2.AddMessageResponse:
        """Log a user message without predicting."""
        tracker = self.agent.add_message(
            request.conversation_id,
            request.text,
            parse_data=wire.json_object(request.parse_data_json, "parse_data"),
            verbosity=wire.verbosity(request.include_events),
            input_channel=request.input_channel or None,
            message_id=request.message_id or None,
            metadata=wire.json_object(request.metadata_json, "metadata"),
        )
        return engine_pb2.AddMessageResponse(tracker_json=wire.to_json(tracker))

    @grpc_errors
    def PredictFromEvents(
        self, request: engine_pb2.PredictFromEventsRequest, context: Any
    ) -> engine_pb2.PredictionResponse:
        """Predict the next action for a list of events (nothing stored)."""
        from engine.api.event_validation import decode_events

        prediction = self.agent.predict_from_events(
            decode_events(request.events_json, allow_single=False),
            verbosity=wire.verbosity(request.include_events),
        )
        return engine_pb2.PredictionResponse(prediction_json=wire.to_json(prediction))

    @grpc_errors
    def LoadModel(self, request: engine_pb2.LoadModelRequest, context: Any) -> engine_pb2.LoadModelResponse:
        """Load a model from a path or a model server and serve it."""
        from engine.api.model_source import load_requested

        model = load_requested(
            request.model_file,
            wire.json_value(request.model_server_json, "model_server"),
            request.remote_storage,
            models_dir=self.agent.models_dir,
            policy=self.agent.outbound,
        )
        self.agent.set_model(model)
        return engine_pb2.LoadModelResponse(model_file=model.path.name, model_id=model.model_id)

    @grpc_errors
    def UnloadModel(self, request: engine_pb2.UnloadModelRequest, context: Any) -> engine_pb2.UnloadModelResponse:
        """Stop serving the model."""
        self.agent.unload()
        return engine_pb2.UnloadModelResponse()

    @grpc_errors
    def GetDomain(self, request: engine_pb2.GetDomainRequest, context: Any) -> engine_pb2.GetDomainResponse:
        """Return the domain as JSON or YAML."""
        domain = self.agent.domain()
        if request.format == engine_pb2.DOMAIN_FORMAT_YAML:
            import yaml

            text = yaml.safe_dump(domain, sort_keys=False, allow_unicode=True, default_flow_style=False)
            return engine_pb2.GetDomainResponse(domain=text.encode("utf-8"))
        return engine_pb2.GetDomainResponse(domain=wire.to_json(domain))

    @grpc_stream_errors
    def Train(self, request: engine_pb2.TrainRequest, context: Any) -> Iterator[engine_pb2.TrainResponseChunk]:
        """Train a model and stream its archive."""
        from engine.api.training import TrainingOptions, project_from_payload, train_payload

        project, body_options = project_from_payload(request.payload, wire.payload_format(request.format))
        options = TrainingOptions(
            save_to_default_model_directory=_first(
                wire.optional(request, "save_to_default_model_directory"),
                body_options.save_to_default_model_directory,
            ),
            force_training=_first(wire.optional(request, "force_training"), body_options.force_training),
            augmentation=wire.optional(request, "augmentation"),
            num_threads=wire.optional(request, "num_threads"),
        )
        with self.agent.training_job() as job:
            trained = train_payload(project, options, self.agent.models_dir, progress=job.report)
        try:
            size = trained.path.stat().st_size
            first = True
            for piece in trained.chunks():
                if first:
                    yield engine_pb2.TrainResponseChunk(filename=trained.path.name, size=size, data=piece)
                    first = False
                else:
                    yield engine_pb2.TrainResponseChunk(data=piece)
            if first:
                yield engine_pb2.TrainResponseChunk(filename=trained.path.name, size=size)
        finally:
            trained.cleanup()

    @grpc_errors
    def EvaluateStories(
        self, request: engine_pb2.EvaluateStoriesRequest, context: Any
    ) -> engine_pb2.EvaluationResponse:
        """Evaluate the dialogue model on test stories."""
        from engine.api.testing import evaluate_stories

        model = self.agent.dialogue_model()
        with self.agent.training_job("evaluation") as job:
            job.report("evaluating test stories")
            report = evaluate_stories(model, request.stories_yaml, e2e=request.e2e)
        return engine_pb2.EvaluationResponse(report_json=wire.to_json(report))

    @grpc_errors
    def EvaluateIntents(
        self, request: engine_pb2.EvaluateIntentsRequest, context: Any
    ) -> engine_pb2.EvaluationResponse:
        """Evaluate NLU on test data, or cross-validate a pipeline."""
        from engine.api.testing import evaluate_intents

        with self.agent.training_job("evaluation") as job:
            job.report("cross-validating" if request.cross_validation_folds else "evaluating intents")
            report = evaluate_intents(
                self.agent.model,
                request.payload,
                wire.payload_format(request.format),
                model=request.model,
                folds=request.cross_validation_folds,
                models_dir=self.agent.models_dir,
                policy=self.agent.outbound,
            )
        return engine_pb2.EvaluationResponse(report_json=wire.to_json(report))

    @grpc_stream_errors
    def SubscribeMessages(
        self, request: engine_pb2.SubscribeMessagesRequest, context: Any
    ) -> Iterator[engine_pb2.PushedMessages]:
        """Stream the messages the engine pushes (fired reminders' replies) to this subscriber."""
        from engine.errors import Conflict
        from engine.push import MessagePush

        push = self.agent.deliver
        if not isinstance(push, MessagePush):
            raise Conflict("This engine does not push messages.")
        for pushed in push.subscribe().stream(context.is_active):
            yield engine_pb2.PushedMessages(
                conversation_id=pushed.conversation_id,
                output_channel=pushed.output_channel or "",
                messages_json=wire.to_json(pushed.messages),
            )


def _first(*values: Any) -> Any:
    return next((value for value in values if value is not None), None)
