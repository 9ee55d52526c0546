"""Model endpoints: ``POST /model/parse``, ``POST /model/predict``, ``PUT``/``DELETE /model``."""
from __future__ import annotations

from typing import Any

import falcon
import falcon.asgi
import orjson

from gateway.body import BodyReader
from gateway.engine_client import EngineClient
from gateway.errors import bad_request
from gateway.params import include_events
from gateway.resources.common import LONG_CALL_TIMEOUT, send_json, string_field
from protos import engine_pb2

EMULATION_MODES = ("wit", "luis", "dialogflow")

NO_TEXT_MESSAGE = (
    "No text message defined in request_body. Add text message to request body "
    "in order to obtain the intent and extracted entities."
)


class ParseResource:
    """``POST /model/parse``: run NLU on ``{"text", "message_id"?}``.

    Args:
        engine: The engine client.
        body: Reader of request bodies.
    """

    def __init__(self, engine: EngineClient, body: BodyReader) -> None:
        self.engine = engine
        self.body = body

    async def on_post(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        """Answer the engine's parse result as it is."""
        mode = _emulation_mode(req)
        data = await self.body.json_object(req, NO_TEXT_MESSAGE)
        text = data.get("text")
        if not isinstance(text, str):
            message = NO_TEXT_MESSAGE if text is None else "'text' must be a string."
            raise bad_request(message, "text")
        reply = await self.engine.parse(
            engine_pb2.ParseRequest(
                text=text, message_id=_message_id(data.get("message_id")), emulation_mode=mode
            )
        )
        resp.content_type = falcon.MEDIA_JSON
        resp.data = reply.parse_json


def _emulation_mode(req: falcon.asgi.Request) -> str:
    mode = req.get_param("emulation_mode")
    if mode is None:
        return ""
    if mode.lower() not in EMULATION_MODES:
        raise bad_request(
            f"Invalid parameter value for 'emulation_mode'. "
            f"Should be one of {', '.join(EMULATION_MODES)}",
            "emulation_mode",
            "query",
        )
    return mode.lower()


def _message_id(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise bad_request("'message_id' must be a string.", "message_id")
    return str(value)


NO_EVENTS_MESSAGE = "No events in the request body: send the conversation's events as a JSON list."
NO_MODEL_MESSAGE = "No model given: send {\"model_file\": <path>} or {\"model_server\": {\"url\": ...}}."


class ModelPredictResource:
    """``POST /model/predict``: next-action scores for a list of events.

    The events build a throw-away tracker of sender ``default``; nothing is
    stored. Query ``include_events``. Answers ``{"scores", "policy",
    "confidence", "tracker"}`` (scores in the domain's action order).

    Args:
        engine: The engine client.
        body: Reader of request bodies.
    """

    def __init__(self, engine: EngineClient, body: BodyReader) -> None:
        self.engine = engine
        self.body = body

    async def on_post(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        """Answer the engine's prediction JSON as it is."""
        verbosity = include_events(req)
        events = await self.body.json(req)
        if events is None:
            raise bad_request(NO_EVENTS_MESSAGE, "events")
        if not isinstance(events, list):
            raise bad_request("The request body must be a JSON list of events.", "events")
        reply = await self.engine.call(
            "PredictFromEvents",
            engine_pb2.PredictFromEventsRequest(events_json=orjson.dumps(events), include_events=verbosity),
        )
        send_json(resp, reply.prediction_json)


class ModelResource:
    """``PUT /model`` loads a model, ``DELETE /model`` unloads it (both 204).

    PUT body: ``{"model_file": path}`` (as the engine process sees it), or
    ``{"model_server": {"url", ...}}`` (one archive is pulled), or
    ``{"remote_storage": ...}`` (not supported: 400). The current model
    stays when loading fails.

    Args:
        engine: The engine client.
        body: Reader of request bodies.
    """

    def __init__(self, engine: EngineClient, body: BodyReader) -> None:
        self.engine = engine
        self.body = body

    async def on_put(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        """Load the model."""
        data = await self.body.json_object(req, NO_MODEL_MESSAGE)
        server = data.get("model_server")
        await self.engine.call(
            "LoadModel",
            engine_pb2.LoadModelRequest(
                model_file=string_field(data, "model_file"),
                model_server_json=b"" if server is None else orjson.dumps(server),
                remote_storage=string_field(data, "remote_storage"),
            ),
            timeout=LONG_CALL_TIMEOUT,
        )
        resp.status = falcon.HTTP_204

    async def on_delete(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        """Unload the model."""
        await self.engine.call("UnloadModel", engine_pb2.UnloadModelRequest())
        resp.status = falcon.HTTP_204
