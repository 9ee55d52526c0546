"""A gateway worker sends the engine's pushed messages through the named output channel."""
from __future__ import annotations

import asyncio
from typing import Any

import grpc
import orjson

from gateway.channels import pushed as pushed_module
from gateway.channels.output import OutputChannels
from gateway.channels.pushed import PushedMessagesListener
from protos import engine_pb2
from tests.gateway.channels.test_output import Recorder, WithOutput


class Unavailable(grpc.aio.AioRpcError):
    def __init__(self) -> None:
        super().__init__(grpc.StatusCode.UNAVAILABLE, grpc.aio.Metadata(), grpc.aio.Metadata(), "down")


class FakeCall:
    """A server stream yielding given pushes, then failing like a restarting engine."""

    def __init__(self, items: list[Any]) -> None:
        self.items = items

    def __aiter__(self) -> Any:
        return self._gen()

    async def _gen(self) -> Any:
        for item in self.items:
            yield item
        raise Unavailable()

    def cancel(self) -> None:
        pass


class FakeEngine:
    """Each subscription pushes one message for a new conversation."""

    def __init__(self) -> None:
        self.calls = 0

    def stream(self, rpc: str, request: Any, *, timeout: float | None = None) -> FakeCall:
        assert rpc == "SubscribeMessages"
        self.calls += 1
        messages = orjson.dumps([{"recipient_id": f"u{self.calls}", "text": "Remember to call John!"}])
        return FakeCall([
            engine_pb2.PushedMessages(conversation_id=f"u{self.calls}", output_channel="socketio",
                                      messages_json=messages),
            engine_pb2.PushedMessages(conversation_id="r", output_channel="rest", messages_json=messages),
        ])


def test_pushes_are_delivered_and_the_worker_resubscribes(monkeypatch) -> None:
    monkeypatch.setattr(pushed_module, "MIN_BACKOFF", 0.01)
    recorder = Recorder()
    engine = FakeEngine()
    listener = PushedMessagesListener(engine, OutputChannels([WithOutput(recorder)]))

    async def scenario() -> None:
        await listener.process_startup({}, {})
        for _ in range(200):
            if len(recorder.sent) >= 2:
                break
            await asyncio.sleep(0.01)
        await listener.process_shutdown({}, {})

    asyncio.run(scenario())
    # Reconnected after the engine went away; REST pushes are not sent anywhere.
    assert engine.calls >= 2
    assert [recipient for recipient, _ in recorder.sent][:2] == ["u1", "u2"]
    assert recorder.sent[0][1][0]["text"] == "Remember to call John!"


def test_a_worker_without_a_pushing_channel_does_not_subscribe() -> None:
    engine = FakeEngine()
    listener = PushedMessagesListener(engine, OutputChannels([]))

    async def scenario() -> None:
        await listener.process_startup({}, {})
        await asyncio.sleep(0.05)
        await listener.process_shutdown({}, {})

    asyncio.run(scenario())
    assert engine.calls == 0
