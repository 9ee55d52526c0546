"""Every route of the Rasa HTTP API (mounted with ``--enable-api``)."""
from __future__ import annotations

from typing import Any

from gateway.body import BodyReader
from gateway.engine_client import EngineClient
from gateway.resources.callbacks import CallbackRunner
from gateway.resources.common import MessageOutputs
from gateway.resources.conversations import StoryResource, TrackerEventsResource, TrackerResource
from gateway.resources.domain import DomainResource
from gateway.resources.model import ModelPredictResource, ModelResource, ParseResource
from gateway.resources.status import StatusResource
from gateway.resources.testing import TestIntentsResource, TestStoriesResource
from gateway.resources.training import TrainResource
from gateway.resources.turns import ExecuteResource, MessagesResource, PredictResource, TriggerIntentResource
from outbound import OutboundPolicy

CONVERSATION = "/conversations/{conversation_id}"


def add_api_routes(
    app: Any, engine: EngineClient, body: BodyReader, outputs: MessageOutputs, version: str,
    outbound: OutboundPolicy | None = None,
) -> None:
    """Add the HTTP API routes (all but ``/`` and ``/version``) to ``app``.

    Args:
        app: The Falcon app.
        engine: The engine client.
        body: Reader of request bodies.
        outputs: Delivers bot messages to the output channel a request names.
        version: Parley's version (for error JSON POSTed to callbacks).
        outbound: Which hosts ``callback_url`` may name.
    """
    callbacks = CallbackRunner(version, policy=outbound)
    app.add_route("/status", StatusResource(engine))
    app.add_route(f"{CONVERSATION}/tracker", TrackerResource(engine))
    app.add_route(f"{CONVERSATION}/tracker/events", TrackerEventsResource(engine, body, outputs))
    app.add_route(f"{CONVERSATION}/story", StoryResource(engine))
    app.add_route(f"{CONVERSATION}/execute", ExecuteResource(engine, body, outputs))
    app.add_route(f"{CONVERSATION}/trigger_intent", TriggerIntentResource(engine, body, outputs))
    app.add_route(f"{CONVERSATION}/predict", PredictResource(engine))
    app.add_route(f"{CONVERSATION}/messages", MessagesResource(engine, body))
    app.add_route("/model/train", TrainResource(engine, body, callbacks))
    app.add_route("/model/test/stories", TestStoriesResource(engine, body))
    app.add_route("/model/test/intents", TestIntentsResource(engine, body, callbacks))
    app.add_route("/model/predict", ModelPredictResource(engine, body))
    app.add_route("/model/parse", ParseResource(engine, body))
    app.add_route("/model", ModelResource(engine, body))
    app.add_route("/domain", DomainResource(engine))
