"""Conversation state endpoints: tracker, tracker events and story.

``GET /conversations/{id}/tracker``, ``POST`` and ``PUT
/conversations/{id}/tracker/events``, ``GET /conversations/{id}/story``.
"""
from __future__ import annotations

import falcon
import falcon.asgi
import orjson

from gateway.body import BodyReader
from gateway.engine_client import EngineClient
from gateway.errors import bad_request
from gateway.params import bool_param, float_param, include_events
from gateway.resources.common import MessageOutputs, decode_list, send_json
from protos import engine_pb2

NO_EVENTS_MESSAGE = "No events in the request body: send one event object or a list of events."


class TrackerResource:
    """``GET /conversations/{conversation_id}/tracker``: a conversation's tracker.

    Query: ``include_events`` (ALL, APPLIED, AFTER_RESTART, NONE; default
    AFTER_RESTART) and ``until`` (a timestamp; ignored when not a number).

    Args:
        engine: The engine client.
    """

    def __init__(self, engine: EngineClient) -> None:
        self.engine = engine

    async def on_get(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, conversation_id: str
    ) -> None:
        """Answer the engine's tracker JSON as it is."""
        request = engine_pb2.GetTrackerRequest(
            conversation_id=conversation_id, include_events=include_events(req)
        )
        until = float_param(req, "until")
        if until is not None:
            request.until = until
        reply = await self.engine.get_tracker(request)
        send_json(resp, reply.tracker_json)


async def _events_body(body: BodyReader, req: falcon.asgi.Request) -> bytes:
    """Return the raw events body after checking it is a JSON object or list."""
    raw = await body.read(req)
    if not raw.strip():
        raise bad_request(NO_EVENTS_MESSAGE, "events")
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as ex:
        raise bad_request(f"The request body is not valid JSON: {ex}", "body") from None
    if not isinstance(value, (list, dict)):
        raise bad_request("The request body must be an event object or a list of events.", "events")
    return raw


class TrackerEventsResource:
    """``POST``/``PUT /conversations/{conversation_id}/tracker/events``.

    POST appends one event or a list (a new conversation gets the session
    start first); query ``include_events``, ``output_channel`` and
    ``execute_side_effects`` (bot events go to the output channel, reminders
    are scheduled). PUT replaces every event with the posted list.

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
        """Append the events and answer the tracker."""
        verbosity = include_events(req)
        raw = await _events_body(self.body, req)
        side_effects = bool_param(req, "execute_side_effects")
        reply = await self.engine.call(
            "AppendEvents",
            engine_pb2.AppendEventsRequest(
                conversation_id=conversation_id,
                events_json=raw,
                include_events=verbosity,
                execute_side_effects=side_effects,
                output_channel=req.get_param("output_channel") or "",
            ),
        )
        messages = decode_list(reply.messages_json)
        if side_effects and messages:
            # Collected output is dropped, as Rasa's collecting channel does here.
            await self.outputs.deliver(
                reply.output_channel or None, conversation_id, messages,
                latest_input_channel=reply.latest_input_channel or None,
            )
        send_json(resp, reply.tracker_json)

    async def on_put(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, conversation_id: str
    ) -> None:
        """Replace the events and answer the tracker."""
        verbosity = include_events(req)
        raw = await _events_body(self.body, req)
        reply = await self.engine.call(
            "ReplaceEvents",
            engine_pb2.ReplaceEventsRequest(
                conversation_id=conversation_id, events_json=raw, include_events=verbosity
            ),
        )
        send_json(resp, reply.tracker_json)


class StoryResource:
    """``GET /conversations/{conversation_id}/story``: YAML test stories (text/plain).

    Query: ``all_sessions`` (default false: the latest session) and ``until``.

    Args:
        engine: The engine client.
    """

    def __init__(self, engine: EngineClient) -> None:
        self.engine = engine

    async def on_get(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, conversation_id: str
    ) -> None:
        """Answer the stories as plain text."""
        request = engine_pb2.GetStoryRequest(
            conversation_id=conversation_id, all_sessions=bool_param(req, "all_sessions")
        )
        until = float_param(req, "until")
        if until is not None:
            request.until = until
        reply = await self.engine.call("GetStory", request)
        resp.content_type = "text/plain; charset=utf-8"
        resp.text = reply.story_yaml
