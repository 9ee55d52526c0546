"""The gRPC servicer: one method per RPC, converting and delegating only."""
from __future__ import annotations

from typing import Any

from engine import wire
from engine.agent import Agent
from engine.errors import grpc_errors
from engine.nlu.emulators import check_mode, emulate
from engine.version import MINIMUM_COMPATIBLE_VERSION, parley_version
from protos import engine_pb2, engine_pb2_grpc

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
