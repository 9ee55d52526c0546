"""Model endpoints: ``POST /model/parse``."""
from __future__ import annotations

from typing import Any

import falcon
import falcon.asgi

from gateway.body import BodyReader
from gateway.engine_client import EngineClient
from gateway.errors import bad_request
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
