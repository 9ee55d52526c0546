"""A python-socketio client holds a conversation through TWO gateway workers.

`parley run` serves a trained bot with WEB_CONCURRENCY=2 and REDIS_URL set,
so the socket.io manager goes through Redis. Several clients join the same
persistent session until both workers hold some of them (both workers then
listen on the Redis channel); every bot message must reach every client,
whichever worker handled the user message or the HTTP request.
"""
from __future__ import annotations

import asyncio
import os
import time
import uuid
from pathlib import Path
from typing import Any, Iterator

import httpx
import pytest

from tests.conftest import FIXTURES, in_ci
from tests.contracts.conftest import DEFAULT_REDIS, service_missing
from tests.gateway.openapi_check import check_response
from tests.gateway.optional import require
from tests.integration.conftest import train

pytestmark = pytest.mark.integration

require("socketio", "python-socketio[asyncio_client]")
require("aiohttp", "python-socketio[asyncio_client]")  # the asyncio client's transport
import socketio  # noqa: E402

WAIT = 20.0
MAX_CLIENTS = 64  # under load one worker can accept many connections in a row
REDIS_DB = 11
BOT_ANSWER = "I am a small weather bot."


@pytest.fixture(scope="module")
def redis_base() -> Iterator[str]:
    """The test Redis server's URL (probed; loud skip, or failure under CI)."""
    url = os.environ.get("PARLEY_TEST_REDIS_URL", DEFAULT_REDIS)
    try:
        import redis
    except ImportError as ex:
        if in_ci():
            pytest.fail(f"redis client library missing: {ex}", pytrace=False)
        pytest.skip(f"redis client library missing: {ex}")
    try:
        client = redis.Redis.from_url(url, socket_timeout=2)
        client.ping()
        client.close()
    except Exception as ex:  # any connection problem means "not usable"
        service_missing("Redis", url, f"{type(ex).__name__}: {ex}")
    yield url


@pytest.fixture(scope="module")
def tinybot_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tinybot fixture, trained once."""
    return train(FIXTURES / "bots" / "tinybot", tmp_path_factory.mktemp("models"))


def subscribers(redis_url: str, channel: str) -> int:
    """How many processes listen on the socket.io Redis channel."""
    import redis

    client = redis.Redis.from_url(redis_url, socket_timeout=2)
    try:
        return int(dict(client.pubsub_numsub(channel)).get(channel.encode(), 0))
    finally:
        client.close()


class Widget:
    """A webchat-like client: websocket transport, persistent session."""

    def __init__(self, session_id: str) -> None:
        self.sio = socketio.AsyncClient(reconnection=False)
        self.session_id = session_id
        self.bot: asyncio.Queue[Any] = asyncio.Queue()
        self.confirmed: asyncio.Queue[Any] = asyncio.Queue()
        self.sio.on("bot_uttered", self.bot.put)
        self.sio.on("session_confirm", self.confirmed.put)

    async def join(self, url: str) -> None:
        await self.sio.connect(url, transports=["websocket"], wait_timeout=WAIT)
        await self.sio.emit("session_request", {"session_id": self.session_id})
        assert await asyncio.wait_for(self.confirmed.get(), WAIT) == self.session_id

    async def say(self, text: str) -> None:
        await self.sio.emit("user_uttered", {"message": text, "session_id": self.session_id})

    async def next_text(self) -> str:
        message = await asyncio.wait_for(self.bot.get(), WAIT)
        return str(message["text"])


async def join_both_workers(url: str, redis_url: str, channel: str, session: str) -> list[Widget]:
    """Connect widgets (in small concurrent batches) until both workers hold one."""
    widgets: list[Widget] = []
    while len(widgets) < MAX_CLIENTS:
        batch = [Widget(session) for _ in range(4)]
        await asyncio.gather(*(widget.join(url) for widget in batch))
        widgets.extend(batch)
        deadline = time.monotonic() + 2
        while time.monotonic() < deadline:
            if subscribers(redis_url, channel) >= 2:
                return widgets
            await asyncio.sleep(0.05)
    raise AssertionError(f"{MAX_CLIENTS} websocket clients all landed on one gateway worker")


def test_a_socketio_conversation_through_two_gateway_workers(
    tmp_path: Path, run_parley: Any, tinybot_model: Path, redis_base: str
) -> None:
    channel = f"parley-socketio-test-{uuid.uuid4().hex[:8]}"
    credentials = tmp_path / "credentials.yml"
    credentials.write_text(
        f"rest:\nsocketio:\n  session_persistence: true\n  redis_channel: {channel}\n"
    )
    redis_url = redis_base.rsplit("/", 1)[0] + f"/{REDIS_DB}"
    server = run_parley(
        "-m", str(tinybot_model), "--enable-api", "--credentials", str(credentials),
        env={"WEB_CONCURRENCY": "2", "REDIS_URL": redis_url},
    )
    session = f"widget-{uuid.uuid4().hex[:8]}"

    async def conversation() -> tuple[int, list[str], list[str], list[Any]]:
        widgets = await join_both_workers(server.base_url, redis_url, channel, session)
        listening = subscribers(redis_url, channel)
        first, last = widgets[0], widgets[-1]
        await first.say("hello")
        greetings = [await widget.next_text() for widget in widgets]
        await last.say("bye")
        goodbyes = [await widget.next_text() for widget in widgets]
        # HTTP requests with output_channel=socketio land on either worker; the
        # bot_challenge rule answers the same every time.
        answers = []
        async with httpx.AsyncClient(base_url=server.base_url, timeout=WAIT) as http:
            for _ in range(4):
                reply = await http.post(
                    f"/conversations/{session}/trigger_intent",
                    params={"output_channel": "socketio"},
                    json={"name": "bot_challenge"},
                )
                assert reply.status_code == 200, reply.text
                answers.append(reply.json())
                assert {await widget.next_text() for widget in widgets} == {BOT_ANSWER}
        for widget in widgets:
            await widget.sio.disconnect()
        return listening, greetings, goodbyes, answers

    listening, greetings, goodbyes, answers = asyncio.run(conversation())
    assert listening == 2
    assert set(greetings) == {"Hello! Ask me about the weather anywhere."}
    assert set(goodbyes) == {"See you soon!"}
    assert all("messages" not in answer for answer in answers)

    tracker = httpx.get(f"{server.base_url}/conversations/{session}/tracker", timeout=WAIT).json()
    users = [e for e in tracker["events"] if e["event"] == "user"]
    assert [e["text"] for e in users[:2]] == ["hello", "bye"]
    assert {e["input_channel"] for e in users[:2]} == {"socketio"}


def test_real_answers_match_the_served_openapi_document(
    tmp_path: Path, run_parley: Any, tinybot_model: Path
) -> None:
    credentials = tmp_path / "credentials.yml"
    credentials.write_text("rest:\nsocketio:\ncallback:\n  url: http://127.0.0.1:9/cb\n")
    server = run_parley("-m", str(tinybot_model), "--enable-api", "--credentials", str(credentials))
    with httpx.Client(base_url=server.base_url, timeout=WAIT) as http:
        document = http.get("/openapi.json").json()
        cases = [
            ("GET", "/status", "/status", None),
            ("POST", "/model/parse", "/model/parse", {"text": "hello"}),
            ("POST", "/model/parse?emulation_mode=luis", "/model/parse", {"text": "hello"}),
            ("POST", "/webhooks/rest/webhook", "/webhooks/rest/webhook",
             {"sender": "oa", "message": "hello"}),
            ("GET", "/conversations/oa/tracker", "/conversations/{conversation_id}/tracker", None),
            ("GET", "/conversations/oa/tracker?include_events=NONE",
             "/conversations/{conversation_id}/tracker", None),
            ("POST", "/conversations/oa/predict", "/conversations/{conversation_id}/predict", None),
            ("POST", "/conversations/oa/trigger_intent",
             "/conversations/{conversation_id}/trigger_intent", {"name": "greet"}),
            ("GET", "/conversations/oa/story", "/conversations/{conversation_id}/story", None),
            ("GET", "/conversations/nobody/story", "/conversations/{conversation_id}/story", None),
            ("GET", "/domain", "/domain", None),
        ]
        for method, path, template, body in cases:
            reply = http.request(method, path, json=body)
            media = reply.headers.get("content-type", "").split(";")[0]
            payload = reply.json() if media == "application/json" else reply.text
            check_response(document, template, method, reply.status_code, media, payload)
