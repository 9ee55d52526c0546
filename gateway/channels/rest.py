"""The ``rest`` channel: ``/webhooks/rest/`` (Rasa's RestInput)."""
from __future__ import annotations

import logging
from typing import Any, AsyncIterator

import falcon
import falcon.asgi
import orjson

from gateway.body import BodyReader
from gateway.channels.base import InputChannel, collect_messages
from gateway.engine_client import EngineClient
from gateway.errors import bad_request
from gateway.params import bool_param
from protos import engine_pb2

logger = logging.getLogger(__name__)

# Rasa answers REST requests through these output channels; their names
# select channel-specific response variations.
COLLECTOR_OUTPUT = "collector"
STREAM_OUTPUT = "queue"


class RestChannel(InputChannel):
    """Receive messages by HTTP POST and answer the bot's replies as JSON.

    Args:
        engine: The engine client.
        body: Reader of request bodies.
    """

    name = "rest"

    def __init__(self, engine: EngineClient, body: BodyReader) -> None:
        self.engine = engine
        self.body = body

    def routes(self) -> list[tuple[str, object]]:
        """Return the health route ``/`` and the ``/webhook`` route."""
        return [("/", HealthResource()), ("/webhook", WebhookResource(self.engine, self.body))]


class HealthResource:
    """``GET /webhooks/<channel>/``: ``{"status": "ok"}``."""

    public = True

    async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        """Answer that the channel is up."""
        resp.content_type = falcon.MEDIA_JSON
        resp.data = b'{"status":"ok"}'


class WebhookResource:
    """``POST /webhooks/rest/webhook``: one user message in, bot messages out.

    Body: ``{"sender"?: str|int, "message": str, "input_channel"?: str,
    "metadata"?: object}``. With ``?stream=true`` the answer is
    ``text/event-stream``, one JSON message per line.

    Args:
        engine: The engine client.
        body: Reader of request bodies.
    """

    public = True

    def __init__(self, engine: EngineClient, body: BodyReader) -> None:
        self.engine = engine
        self.body = body

    async def on_post(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        """Hand the message to the engine and answer its replies."""
        data = await self.body.json_object(req, "The request body must contain a 'message'.")
        sender = _sender(data.get("sender"))
        stream = bool_param(req, "stream")
        reply = await self.engine.handle_message(
            engine_pb2.HandleMessageRequest(
                conversation_id=sender,
                text=_text(data.get("message")),
                input_channel=_input_channel(data.get("input_channel")),
                metadata_json=_metadata(data.get("metadata")),
                output_channel=STREAM_OUTPUT if stream else COLLECTOR_OUTPUT,
            )
        )
        messages = collect_messages(sender, _message_list(reply.messages_json))
        if stream:
            resp.content_type = "text/event-stream"
            resp.stream = _lines(messages)
        else:
            resp.content_type = falcon.MEDIA_JSON
            resp.data = orjson.dumps(messages)


async def _lines(messages: list[dict[str, Any]]) -> AsyncIterator[bytes]:
    for message in messages:
        yield orjson.dumps(message) + b"\n"


def _sender(value: Any) -> str:
    if value is None:
        return "default"
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise bad_request("'sender' must be a string or an integer.", "sender")
    return str(value)


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise bad_request("'message' must be a string.", "message")
    return value.strip()


def _input_channel(value: Any) -> str:
    if value is None or value == "":
        return RestChannel.name
    if not isinstance(value, str):
        raise bad_request("'input_channel' must be a string.", "input_channel")
    return value


def _metadata(value: Any) -> bytes:
    if value is None:
        return b""
    if not isinstance(value, dict):
        raise bad_request("'metadata' must be a JSON object.", "metadata")
    return orjson.dumps(value) if value else b""


def _message_list(raw: bytes) -> list[Any]:
    if not raw:
        return []
    messages = orjson.loads(raw)
    if not isinstance(messages, list):
        logger.error("the engine answered bot messages that are not a list")
        return []
    return messages
