"""The ``rest`` channel: ``/webhooks/rest/`` (Rasa's RestInput)."""
from __future__ import annotations

from typing import Any, AsyncIterator

import falcon
import falcon.asgi
import orjson

from gateway.body import BodyReader
from gateway.channels.base import InputChannel, collect_messages
from gateway.channels.incoming import handle_message_request, message_list
from gateway.engine_client import EngineClient
from gateway.params import bool_param

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
        stream = bool_param(req, "stream")
        request = handle_message_request(
            data,
            channel=RestChannel.name,
            output_channel=STREAM_OUTPUT if stream else COLLECTOR_OUTPUT,
        )
        reply = await self.engine.handle_message(request)
        messages = collect_messages(request.conversation_id, message_list(reply.messages_json))
        if stream:
            resp.content_type = "text/event-stream"
            resp.stream = _lines(messages)
        else:
            resp.content_type = falcon.MEDIA_JSON
            resp.data = orjson.dumps(messages)


async def _lines(messages: list[dict[str, Any]]) -> AsyncIterator[bytes]:
    for message in messages:
        yield orjson.dumps(message) + b"\n"
