"""The socket.io channel against a live gateway (uvicorn) and a python-socketio client."""
from __future__ import annotations

import asyncio
import logging
import re
from typing import Any, Awaitable, Callable, Iterator

import falcon
import falcon.asgi
import grpc
import httpx
import jwt
import orjson
import pytest

from tests.gateway.optional import require

require("socketio", "python-socketio[asyncio_client]")
require("aiohttp", "python-socketio[asyncio_client]")  # the asyncio client's transport
import socketio  # noqa: E402

from gateway.app import build_channels, create_app  # noqa: E402
from gateway.channels.output import OutputChannels  # noqa: E402
from gateway.engine_client import EngineClient  # noqa: E402
from gateway.settings import GatewaySettings  # noqa: E402
from tests.gateway.fake_engine import Failure, FakeEngine, FakeEngineServer  # noqa: E402
from tests.gateway.live_server import LiveServer  # noqa: E402

WAIT = 5.0
SIO_KEY = "a-socketio-secret-of-32-bytes-ok"
Serve = Callable[..., LiveServer]


class DeliverResource:
    """A test-only route doing what the conversation endpoints do with output_channel."""

    public = True

    def __init__(self, outputs: OutputChannels) -> None:
        self.outputs = outputs

    async def on_post(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        data = await req.get_media()
        collected = await self.outputs.deliver(
            data["channel"], data["conversation_id"], data["messages"]
        )
        resp.media = {"messages": collected}


@pytest.fixture
def serve(engine_server: FakeEngineServer, fake: FakeEngine) -> Iterator[Serve]:
    """Start live gateways with a socketio section in their credentials."""
    started: list[LiveServer] = []

    def start(socketio_credentials: Any = None, **overrides: Any) -> LiveServer:
        values: dict[str, Any] = {
            "engine_address": engine_server.address,
            "engine_timeout": 5.0,
            "credentials": {"rest": None, "socketio": socketio_credentials},
        }
        values.update(overrides)
        settings = GatewaySettings(**values)
        engine = EngineClient(settings.engine_address, settings.engine_timeout)
        channels = build_channels(settings, engine)
        app = create_app(settings, engine, channels)
        app.add_route("/test/deliver", DeliverResource(OutputChannels(channels)))
        wrapped: Any = app
        for channel in channels:
            wrapped = channel.wrap(wrapped)
        server = LiveServer(wrapped).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


class Client:
    """A python-socketio client recording the events it receives."""

    def __init__(self, namespace: str = "/", bot_event: str = "bot_uttered") -> None:
        self.sio = socketio.AsyncClient(reconnection=False)
        self.namespace = namespace
        self.events: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
        for name in ("session_confirm", bot_event):
            self.sio.on(name, self._recorder(name), namespace=namespace)

    def _recorder(self, name: str) -> Callable[[Any], Awaitable[None]]:
        async def record(data: Any = None) -> None:
            await self.events.put((name, data))

        return record

    async def connect(self, server: LiveServer, path: str = "socket.io", **kwargs: Any) -> None:
        await self.sio.connect(
            server.url,
            transports=["websocket"],
            socketio_path=path,
            namespaces=[self.namespace],
            wait_timeout=WAIT,
            **kwargs,
        )

    @property
    def sid(self) -> str:
        return str(self.sio.get_sid(self.namespace))

    async def emit(self, event: str, data: Any) -> None:
        await self.sio.emit(event, data, namespace=self.namespace)

    async def next(self) -> tuple[str, Any]:
        return await asyncio.wait_for(self.events.get(), WAIT)

    async def take(self, count: int) -> list[tuple[str, Any]]:
        return [await self.next() for _ in range(count)]

    async def nothing_more(self, seconds: float = 0.3) -> bool:
        await asyncio.sleep(seconds)
        return self.events.empty()


def run(coro: Awaitable[Any]) -> Any:
    """Run a coroutine in a fresh loop."""
    return asyncio.run(coro)  # type: ignore[arg-type]


def test_health(serve: Serve) -> None:
    server = serve()
    for path in ("/webhooks/socketio/", "/webhooks/socketio"):
        reply = httpx.get(server.url + path)
        assert (reply.status_code, reply.json()) == (200, {"status": "ok"})
    assert httpx.get(server.url + "/webhooks/rest/").status_code == 200


def test_session_request_confirms_the_bare_session_id(serve: Serve) -> None:
    server = serve()

    async def scenario() -> tuple[Any, Any]:
        client = Client()
        await client.connect(server)
        await client.emit("session_request", {"session_id": "s-42"})
        given = await client.next()
        await client.emit("session_request", {})
        made = await client.next()
        await client.sio.disconnect()
        return given, made

    given, made = run(scenario())
    assert given == ("session_confirm", "s-42")
    assert made[0] == "session_confirm" and re.fullmatch(r"[0-9a-f]{32}", made[1])


def test_a_message_is_answered_to_the_socket_without_persistence(
    serve: Serve, fake: FakeEngine
) -> None:
    fake.messages = [{"text": "Hey!\n\nHow are you?"}]
    server = serve()

    async def scenario() -> tuple[str, list[Any]]:
        client = Client()
        await client.connect(server)
        await client.emit("user_uttered", {"message": "  hello ", "metadata": {"lang": "en"}})
        events = await client.take(2)
        sid = client.sid
        await client.sio.disconnect()
        return sid, events

    sid, events = run(scenario())
    assert events == [("bot_uttered", {"text": "Hey!"}), ("bot_uttered", {"text": "How are you?"})]
    request = fake.last("HandleMessage")
    assert (request.conversation_id, request.text) == (sid, "hello")
    assert (request.input_channel, request.output_channel) == ("socketio", "socketio")
    assert orjson.loads(request.metadata_json) == {"lang": "en"}


def test_persistent_sessions_share_a_room_and_need_a_session_id(
    serve: Serve, fake: FakeEngine
) -> None:
    fake.messages = [{"text": "Welcome back"}]
    server = serve({"session_persistence": True, "metadata_key": "customData"})

    async def scenario() -> tuple[list[Any], list[Any], bool]:
        first, second = Client(), Client()
        for client in (first, second):
            await client.connect(server)
            await client.emit("session_request", {"session_id": "shared"})
            assert await client.next() == ("session_confirm", "shared")
        await first.emit("user_uttered", {"message": "no session"})
        ignored = await first.nothing_more()
        await first.emit(
            "user_uttered",
            {"message": "hi", "session_id": "shared", "customData": '{"page": "home"}'},
        )
        got = [await first.next(), await second.next()]
        for client in (first, second):
            await client.sio.disconnect()
        return got[:1], got[1:], ignored

    to_first, to_second, ignored = run(scenario())
    assert ignored
    assert to_first == to_second == [("bot_uttered", {"text": "Welcome back"})]
    (request,) = [r for name, r in fake.requests if name == "HandleMessage"]
    assert request.conversation_id == "shared"
    assert orjson.loads(request.metadata_json) == {"page": "home"}


def test_event_names_namespace_and_path_come_from_the_credentials(
    serve: Serve, fake: FakeEngine
) -> None:
    fake.messages = [{"text": "pong"}]
    server = serve(
        {
            "user_message_evt": "user_msg",
            "bot_message_evt": "bot_msg",
            "namespace": "/chat",
            "socketio_path": "/chat.io/",
        }
    )

    async def scenario() -> Any:
        client = Client(namespace="/chat", bot_event="bot_msg")
        await client.connect(server, path="chat.io")
        await client.emit("user_msg", {"message": "ping"})
        event = await client.next()
        await client.sio.disconnect()
        return event

    assert run(scenario()) == ("bot_msg", {"text": "pong"})


def test_rich_messages_are_rendered_as_socketio_widgets_expect(
    serve: Serve, fake: FakeEngine
) -> None:
    buttons = [{"title": "Yes", "payload": "/affirm"}, {"title": "No"}]
    fake.messages = [
        {"text": "Pick\n\none", "buttons": buttons},
        {"image": "https://img.example/cat.jpg", "attachment": {"type": "file", "url": "f.pdf"}},
        {"custom": {"data": {"kind": "card"}}},
        {"custom": {"kind": "raw"}},
        {"elements": [{"title": "A", "subtitle": "a"}]},
    ]
    server = serve()

    async def scenario() -> list[Any]:
        client = Client()
        await client.connect(server)
        await client.emit("user_uttered", {"message": "show"})
        events = await client.take(7)
        await client.sio.disconnect()
        return [data for _, data in events]

    assert run(scenario()) == [
        {"text": "Pick", "quick_replies": []},
        {
            "text": "one",
            "quick_replies": [
                {"content_type": "text", "title": "Yes", "payload": "/affirm"},
                {"content_type": "text", "title": "No", "payload": "No"},
            ],
        },
        {"attachment": {"type": "image", "payload": {"src": "https://img.example/cat.jpg"}}},
        {"attachment": {"type": "file", "url": "f.pdf"}},
        {"kind": "card"},
        {"kind": "raw"},
        {
            "attachment": {
                "type": "template",
                "payload": {
                    "template_type": "generic",
                    "elements": {"title": "A", "subtitle": "a"},
                },
            }
        },
    ]


def test_jwt_protects_the_connection(serve: Serve, caplog: pytest.LogCaptureFixture) -> None:
    server = serve({"jwt_key": SIO_KEY, "jwt_method": "HS256"})
    good = jwt.encode({"user": {"username": "u"}}, SIO_KEY, algorithm="HS256")
    forged = jwt.encode({"user": {"username": "u"}}, SIO_KEY.upper(), algorithm="HS256")

    async def connects(auth: Any) -> bool:
        client = Client()
        try:
            await client.connect(server, auth=auth)
        except socketio.exceptions.ConnectionError:
            return False
        await client.sio.disconnect()
        return True

    with caplog.at_level(logging.INFO):
        assert run(connects({"token": good}))
        assert run(connects({"token": f"Bearer {good}"}))
        assert not run(connects(None))
        assert not run(connects({"token": forged}))
        assert not run(connects({"token": "not-a-jwt"}))
    assert "JWT public key invalid." in caplog.text


def test_output_channel_socketio_emits_to_the_conversation_room(serve: Serve) -> None:
    server = serve({"session_persistence": True})

    async def scenario() -> tuple[Any, Any]:
        client = Client()
        await client.connect(server)
        await client.emit("session_request", {"session_id": "conv-7"})
        await client.next()
        async with httpx.AsyncClient() as http:
            reply = await http.post(
                server.url + "/test/deliver",
                json={"channel": "socketio", "conversation_id": "conv-7",
                      "messages": [{"text": "Reminder!"}]},
            )
        event = await client.next()
        await client.sio.disconnect()
        return reply.json(), event

    body, event = run(scenario())
    assert body == {"messages": None}
    assert event == ("bot_uttered", {"text": "Reminder!"})


def test_engine_failure_is_logged_and_the_socket_stays_usable(
    serve: Serve, fake: FakeEngine, caplog: pytest.LogCaptureFixture
) -> None:
    server = serve()

    async def scenario() -> tuple[bool, Any]:
        client = Client()
        await client.connect(server)
        fake.failures["HandleMessage"] = Failure(grpc.StatusCode.UNAVAILABLE, "down")
        await client.emit("user_uttered", {"message": "hi"})
        quiet = await client.nothing_more()
        fake.failures.clear()
        fake.messages = [{"text": "back"}]
        await client.emit("user_uttered", {"message": "hi"})
        event = await client.next()
        await client.sio.disconnect()
        return quiet, event

    with caplog.at_level(logging.ERROR):
        quiet, event = run(scenario())
    assert quiet and event == ("bot_uttered", {"text": "back"})
    assert "the engine failed" in caplog.text


@pytest.mark.parametrize("bad", [None, "text", {"message": 5}, {"no": "message"}])
def test_malformed_user_events_are_ignored(serve: Serve, fake: FakeEngine, bad: Any) -> None:
    server = serve()

    async def scenario() -> bool:
        client = Client()
        await client.connect(server)
        await client.emit("user_uttered", bad)
        quiet = await client.nothing_more()
        await client.sio.disconnect()
        return quiet

    assert run(scenario())
    assert not [r for name, r in fake.requests if name == "HandleMessage"]


def test_polling_handshake_honours_the_cors_origins(serve: Serve) -> None:
    server = serve(cors_origins=("https://shop.example",))
    handshake = server.url + "/socket.io/?EIO=4&transport=polling"
    allowed = httpx.get(handshake, headers={"Origin": "https://shop.example"})
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == "https://shop.example"
    assert httpx.get(handshake, headers={"Origin": "https://evil.example"}).status_code == 400
