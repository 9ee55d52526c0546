"""Request size limits: 413 with Rasa's error JSON on every route, chunked bodies too."""
from __future__ import annotations

from typing import Any, Iterator

import falcon
import falcon.asgi
import httpx
import pytest

from gateway.app import create_app
from gateway.engine_client import EngineClient
from gateway.openapi import app_operations
from gateway.settings import GatewaySettings
from tests.gateway.conftest import ClientFactory
from tests.gateway.fake_engine import FakeEngine, FakeEngineServer
from tests.gateway.live_server import LiveServer

LIMIT = 200
CHANNELS: dict[str, Any] = {"rest": None, "callback": {"url": "http://127.0.0.1:9/cb"}}


def test_every_route_refuses_a_declared_body_over_the_limit(
    make_client: ClientFactory, fake: FakeEngine
) -> None:
    client = make_client(max_body_bytes=LIMIT, auth_token="t", credentials=CHANNELS)
    operations = app_operations(client.app)
    assert len(operations) >= 8
    for template, method in sorted(operations):
        path = template.replace("{conversation_id}", "u1")
        result = client.simulate_request(method.upper(), path, body=b"{" + b" " * LIMIT + b"}")
        where = f"{method.upper()} {template}"
        assert result.status_code == 413, where
        body = result.json
        assert (body["status"], body["code"], body["reason"]) == ("failure", 413, "PayloadTooLarge")
        assert str(LIMIT) in body["message"], where
    assert not fake.requests


class MediaEcho:
    """A route reading its body with ``req.get_media()`` instead of the BodyReader."""

    public = True

    async def on_post(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        resp.media = {"keys": sorted(await req.get_media())}


@pytest.fixture
def live(engine_server: FakeEngineServer, fake: FakeEngine) -> Iterator[LiveServer]:
    """A live gateway with a small body limit."""
    settings = GatewaySettings(
        engine_address=engine_server.address,
        enable_api=True,
        engine_timeout=5.0,
        max_body_bytes=LIMIT,
        credentials=CHANNELS,
    )
    app = create_app(settings, EngineClient(settings.engine_address, settings.engine_timeout))
    app.add_route("/test/media", MediaEcho())
    server = LiveServer(app).start()
    yield server
    server.stop()


def chunks(total: int) -> Iterator[bytes]:
    """A JSON object of about ``total`` bytes in small chunks (sent chunked, no length)."""
    yield b'{"message": "'
    for _ in range(total // 20):
        yield b"x" * 20
    yield b'", "sender": "s"}'


@pytest.mark.parametrize(
    "path", ["/webhooks/rest/webhook", "/webhooks/callback/webhook", "/model/parse", "/test/media"]
)
def test_chunked_bodies_are_capped_while_they_stream(
    live: LiveServer, fake: FakeEngine, path: str
) -> None:
    with httpx.Client(base_url=live.url, timeout=10) as http:
        result = http.post(path, content=chunks(LIMIT * 5))
        assert "content-length" not in result.request.headers
        assert result.status_code == 413
        assert result.json()["reason"] == "PayloadTooLarge"
        small = http.post("/test/media", content=iter([b'{"a": 1,', b' "b": 2}']))
        assert small.status_code == 200 and small.json() == {"keys": ["a", "b"]}
    assert not fake.requests
