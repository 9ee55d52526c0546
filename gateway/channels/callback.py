"""The ``callback`` channel: replies are POSTed to a URL (Rasa's CallbackInput).

``credentials.yml``::

    callback:
      url: "https://example.com/bot"     # plus Rasa's endpoint keys, see endpoint.py

Routes: ``GET /webhooks/callback/`` answers ``{"status": "ok"}``;
``POST /webhooks/callback/webhook`` takes ``{"sender", "message"}``, hands the
message to the engine, POSTs each bot message (rendered as the REST channel
renders it) as JSON to the URL, in order, and then answers ``200 text/plain``
``success``. A failed POST is logged and does not fail the webhook.
"""
from __future__ import annotations

import asyncio
import logging
import ssl
from typing import Any, Iterable

import falcon
import falcon.asgi
import httpx
import orjson

from gateway.body import BodyReader
from gateway.channels.base import InputChannel, OutputChannel, collect_messages
from gateway.channels.endpoint import Endpoint, origin_of
from gateway.channels.incoming import handle_message_request, message_list
from gateway.channels.rest import HealthResource
from gateway.engine_client import EngineClient

logger = logging.getLogger(__name__)

MAX_REDIRECTS = 3
# Only these keep the method and body of a POST; a 301/302/303 would turn
# it into a GET, which is no delivery.
_REPOSTING_REDIRECTS = frozenset({307, 308})


class CallbackOutput(OutputChannel):
    """POST bot messages, one JSON object each, to the callback endpoint.

    Redirects are followed only when they keep the POST (307/308) and stay
    on the endpoint's own scheme, host and port, so credentials in headers
    or parameters never reach another host.

    Args:
        endpoint: Where to POST.
    """

    name = "callback"
    collects = True

    def __init__(self, endpoint: Endpoint) -> None:
        self.endpoint = endpoint
        self._client: httpx.AsyncClient | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def _http(self) -> httpx.AsyncClient:
        loop = asyncio.get_running_loop()
        if self._client is None or self._loop is not loop:
            # A client is bound to the loop it was first used in (tests run
            # each request in a loop of their own); a stale one is dropped.
            verify: ssl.SSLContext | bool = True
            if self.endpoint.cafile:
                verify = ssl.create_default_context(cafile=self.endpoint.cafile)
            auth = httpx.BasicAuth(*self.endpoint.basic_auth) if self.endpoint.basic_auth else None
            self._client = httpx.AsyncClient(
                headers=dict(self.endpoint.headers),
                params=dict(self.endpoint.params),
                auth=auth,
                timeout=self.endpoint.timeout,
                follow_redirects=False,
                verify=verify,
            )
            self._loop = loop
        return self._client

    async def send(self, recipient_id: str, messages: Iterable[Any]) -> None:
        """POST each rendered message in order; failures are logged."""
        for message in collect_messages(recipient_id, messages):
            await self.post(message)

    async def post(self, message: dict[str, Any]) -> bool:
        """POST one message; return whether the endpoint accepted it (2xx)."""
        url = self.endpoint.url
        body = orjson.dumps(message)
        headers = {"Content-Type": "application/json"}
        try:
            for _ in range(MAX_REDIRECTS + 1):
                response = await self._http().post(url, content=body, headers=headers)
                location = response.headers.get("location")
                if response.status_code not in _REPOSTING_REDIRECTS or not location:
                    break
                target = str(response.url.join(location))
                if origin_of(target) != self.endpoint.origin:
                    logger.warning(
                        "Callback %s redirected to another host (%s); not followed.",
                        self.endpoint.url,
                        target,
                    )
                    return False
                url = target
        except httpx.HTTPError as ex:
            reason = str(ex) or type(ex).__name__
            logger.warning("Callback POST to %s failed: %s", self.endpoint.url, reason)
            return False
        if response.is_success:
            return True
        logger.warning(
            "Callback POST to %s answered %s %s.",
            self.endpoint.url,
            response.status_code,
            response.reason_phrase,
        )
        return False

    async def close(self) -> None:
        """Close the HTTP client, if one is open in the running loop."""
        client, loop = self._client, self._loop
        self._client = self._loop = None
        if client is not None and loop is asyncio.get_running_loop():
            await client.aclose()


class CallbackChannel(InputChannel):
    """Receive messages by HTTP POST and POST the replies to a callback URL.

    Args:
        engine: The engine client.
        body: Reader of request bodies.
        endpoint: The callback endpoint from ``credentials.yml``.
    """

    name = "callback"

    def __init__(self, engine: EngineClient, body: BodyReader, endpoint: Endpoint) -> None:
        self.engine = engine
        self.body = body
        self._output = CallbackOutput(endpoint)

    def output(self) -> CallbackOutput:
        """Return the output POSTing to the callback URL."""
        return self._output

    def routes(self) -> list[tuple[str, object]]:
        """Return the health route ``/`` and the ``/webhook`` route."""
        return [
            ("/", HealthResource()),
            ("/webhook", CallbackWebhookResource(self.engine, self.body, self._output)),
        ]


class CallbackWebhookResource:
    """``POST /webhooks/callback/webhook``: a user message in, ``success`` out.

    Args:
        engine: The engine client.
        body: Reader of request bodies.
        output: Where the bot's messages go.
    """

    public = True

    def __init__(self, engine: EngineClient, body: BodyReader, output: CallbackOutput) -> None:
        self.engine = engine
        self.body = body
        self.output = output

    async def on_post(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        """Handle the message, POST the replies, answer ``success``."""
        data = await self.body.json_object(req, "The request body must contain a 'message'.")
        request = handle_message_request(
            data,
            channel=CallbackChannel.name,
            output_channel=CallbackChannel.name,
            named_input_channel=False,
        )
        reply = await self.engine.handle_message(request)
        await self.output.send(request.conversation_id, message_list(reply.messages_json))
        resp.content_type = "text/plain; charset=utf-8"
        resp.text = "success"
