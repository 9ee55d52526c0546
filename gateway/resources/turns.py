"""Conversation endpoints that act: execute, trigger_intent, predict, messages.

``POST /conversations/{id}/execute`` (deprecated, served),
``/trigger_intent``, ``/predict`` and ``/messages``.
"""
from __future__ import annotations

import logging
from typing import Any

import falcon.asgi
import orjson

from gateway.body import BodyReader
from gateway.engine_client import EngineClient
from gateway.errors import bad_request
from gateway.params import include_events
from gateway.resources.common import (
    MessageOutputs,
    decode_list,
    json_fields,
    object_field,
    send_json,
    string_field,
)
from protos import engine_pb2

logger = logging.getLogger(__name__)

NO_ACTION_NAME = "Name of the action not provided in request body."
NO_INTENT_NAME = "Name of the intent not provided in request body."
NO_MESSAGE = "No message in the request body: send {\"text\": ..., \"sender\": \"user\"}."


async def _turn_body(
    outputs: MessageOutputs, conversation_id: str, reply: engine_pb2.ConversationTurnResponse
) -> bytes:
    """Deliver the turn's messages and build ``{"tracker", "messages"?}``."""
    rendered = await outputs.deliver(
        reply.output_channel or None,
        conversation_id,
        decode_list(reply.messages_json),
        latest_input_channel=reply.latest_input_channel or None,
    )
    # PERF: the tracker is already JSON; embed its bytes as they are.
    body: dict[str, Any] = {"tracker": orjson.Fragment(reply.tracker_json)}
    if rendered is not None:
        body["messages"] = rendered
    return orjson.dumps(body)


class ExecuteResource:
    """``POST /conversations/{conversation_id}/execute``: run one action (deprecated).

    Body ``{"name", "policy"?, "confidence"?}``; query ``include_events``,
    ``output_channel``. Answers ``{"tracker", "messages"}``.

    Args:
        engine: The engine client.
        body: Reader of request bodies.
        outputs: Delivers bot messages to output channels.
    """

    def __init__(self, engine: EngineClient, body: BodyReader, outputs: MessageOutputs) -> None:
        self.engine = engine
        self.body = body
        self.outputs = outputs

    async def on_post(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, conversation_id: str
    ) -> None:
        """Run the action and answer the tracker and messages."""
        logger.info("POST /conversations/{id}/execute is deprecated; use /trigger_intent")
        verbosity = include_events(req)
        data = await json_fields(self.body, req)
        request = engine_pb2.ExecuteActionRequest(
            conversation_id=conversation_id,
            action_name=string_field(data, "name", required=True, message=NO_ACTION_NAME),
            policy=string_field(data, "policy"),
            include_events=verbosity,
            output_channel=req.get_param("output_channel") or "",
        )
        confidence = data.get("confidence")
        if confidence is not None:
            if isinstance(confidence, bool) or not isinstance(confidence, (int, float)):
                raise bad_request("'confidence' must be a number.", "confidence")
            request.confidence = float(confidence)
        reply = await self.engine.call("ExecuteAction", request)
        send_json(resp, await _turn_body(self.outputs, conversation_id, reply))


class TriggerIntentResource:
    """``POST /conversations/{conversation_id}/trigger_intent``: inject an intent.

    Body ``{"name", "entities"?: {entity: value}}``; query ``include_events``,
    ``output_channel``. Answers ``{"tracker", "messages"}``.

    Args:
        engine: The engine client.
        body: Reader of request bodies.
        outputs: Delivers bot messages to output channels.
    """

    def __init__(self, engine: EngineClient, body: BodyReader, outputs: MessageOutputs) -> None:
        self.engine = engine
        self.body = body
        self.outputs = outputs

    async def on_post(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, conversation_id: str
    ) -> None:
        """Trigger the intent and answer the tracker and messages."""
        verbosity = include_events(req)
        data = await json_fields(self.body, req)
        entities = data.get("entities")
        if entities is not None and not isinstance(entities, (dict, list)):
            raise bad_request("'entities' must be an object mapping entity names to values.", "entities")
        reply = await self.engine.call(
            "TriggerIntent",
            engine_pb2.TriggerIntentRequest(
                conversation_id=conversation_id,
                intent=string_field(data, "name", required=True, message=NO_INTENT_NAME),
                entities_json=orjson.dumps(entities) if entities else b"",
                include_events=verbosity,
                output_channel=req.get_param("output_channel") or "",
            ),
        )
        send_json(resp, await _turn_body(self.outputs, conversation_id, reply))


class PredictResource:
    """``POST /conversations/{conversation_id}/predict``: next-action scores.

    Answers ``{"scores", "policy", "confidence", "tracker"}``, scores sorted
    best first; 404 for a conversation that is not stored.

    Args:
        engine: The engine client.
    """

    def __init__(self, engine: EngineClient) -> None:
        self.engine = engine

    async def on_post(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, conversation_id: str
    ) -> None:
        """Answer the engine's prediction JSON as it is."""
        reply = await self.engine.call(
            "PredictNextAction",
            engine_pb2.PredictNextActionRequest(
                conversation_id=conversation_id, include_events=include_events(req)
            ),
        )
        send_json(resp, reply.prediction_json)


class MessagesResource:
    """``POST /conversations/{conversation_id}/messages``: log a user message.

    Body ``{"text", "sender": "user", "parse_data"?}`` (also ``message_id``,
    ``input_channel``, ``metadata``). Slots are extracted; no action runs.
    Answers the tracker.

    Args:
        engine: The engine client.
        body: Reader of request bodies.
    """

    def __init__(self, engine: EngineClient, body: BodyReader) -> None:
        self.engine = engine
        self.body = body

    async def on_post(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, conversation_id: str
    ) -> None:
        """Log the message and answer the tracker."""
        verbosity = include_events(req)
        data = await self.body.json_object(req, NO_MESSAGE)
        sender = data.get("sender")
        if sender != "user":
            raise bad_request(
                "Only user messages can be added here: 'sender' must be \"user\", "
                f"not {orjson.dumps(sender).decode()}.",
                "sender",
            )
        message_id = data.get("message_id")
        if message_id is not None and (isinstance(message_id, bool) or not isinstance(message_id, (str, int))):
            raise bad_request("'message_id' must be a string.", "message_id")
        reply = await self.engine.call(
            "AddMessage",
            engine_pb2.AddMessageRequest(
                conversation_id=conversation_id,
                text=string_field(data, "text", required=True, message=NO_MESSAGE),
                parse_data_json=object_field(data, "parse_data"),
                include_events=verbosity,
                input_channel=string_field(data, "input_channel"),
                message_id="" if message_id is None else str(message_id),
                metadata_json=object_field(data, "metadata"),
            ),
        )
        send_json(resp, reply.tracker_json)
