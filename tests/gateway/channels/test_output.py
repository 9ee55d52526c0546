"""Delivering bot messages to the output channel an API request names."""
from __future__ import annotations

import asyncio
import logging
from typing import Any, Iterable, Iterator

import pytest

from gateway.body import BodyReader
from gateway.channels.base import InputChannel, OutputChannel
from gateway.channels.output import OutputChannels
from gateway.channels.registry import create_channels
from gateway.engine_client import EngineClient
from tests.gateway.channels.receiver import Receiver, start_receiver

MESSAGES = [{"text": "Hi there!", "image": "https://example.com/image.jpg"}]
COLLECTED = [
    {"recipient_id": "c1", "text": "Hi there!"},
    {"recipient_id": "c1", "image": "https://example.com/image.jpg"},
]


class Recorder(OutputChannel):
    """An output that does not collect and records what it was sent."""

    name = "socketio"

    def __init__(self, fail: bool = False) -> None:
        self.sent: list[tuple[str, list[Any]]] = []
        self.fail = fail

    async def send(self, recipient_id: str, messages: Iterable[Any]) -> None:
        self.sent.append((recipient_id, list(messages)))
        if self.fail:
            raise RuntimeError("socket gone")


class WithOutput(InputChannel):
    """An input channel owning a :class:`Recorder`."""

    name = "socketio"

    def __init__(self, output: Recorder) -> None:
        self._output = output

    def output(self) -> Recorder:
        return self._output

    def routes(self) -> list[tuple[str, object]]:
        return []


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A local HTTP server standing for the callback URL."""
    server = start_receiver()
    yield server
    server.stop()


def outputs_with(receiver: Receiver, recorder: Recorder | None = None) -> OutputChannels:
    """Outputs of rest + callback (+ the recorder as socketio)."""
    channels = create_channels(
        {"rest": None, "callback": {"url": receiver.url + "/cb"}},
        EngineClient("127.0.0.1:1", 1.0),
        BodyReader(1000),
    )
    if recorder is not None:
        channels.append(WithOutput(recorder))
    return OutputChannels(channels)


@pytest.mark.parametrize("name", [None, "", "rest", "slack", "collector"])
def test_no_or_unknown_channel_collects_for_the_response(
    receiver: Receiver, name: str | None
) -> None:
    outputs = outputs_with(receiver)
    assert asyncio.run(outputs.deliver(name, "c1", MESSAGES)) == COLLECTED
    assert receiver.requests == []


def test_callback_posts_and_also_collects(receiver: Receiver) -> None:
    outputs = outputs_with(receiver)
    assert asyncio.run(outputs.deliver("callback", "c1", MESSAGES)) == COLLECTED
    assert receiver.posted() == COLLECTED


def test_latest_uses_the_conversations_latest_input_channel(receiver: Receiver) -> None:
    outputs = outputs_with(receiver)
    result = asyncio.run(outputs.deliver("latest", "c1", MESSAGES, latest_input_channel="callback"))
    assert result == COLLECTED
    assert receiver.posted() == COLLECTED
    assert asyncio.run(outputs.deliver("latest", "c1", MESSAGES, latest_input_channel="rest"))
    assert asyncio.run(outputs.deliver("latest", "c1", MESSAGES)) == COLLECTED
    assert len(receiver.posted()) == 2


def test_a_channel_that_does_not_collect_leaves_the_response_without_messages(
    receiver: Receiver,
) -> None:
    recorder = Recorder()
    outputs = outputs_with(receiver, recorder)
    assert outputs.names() == ["callback", "socketio"]
    assert asyncio.run(outputs.deliver("socketio", "c1", MESSAGES)) is None
    assert recorder.sent == [("c1", MESSAGES)]


def test_a_failing_output_is_logged_not_raised(
    receiver: Receiver, caplog: pytest.LogCaptureFixture
) -> None:
    outputs = outputs_with(receiver, Recorder(fail=True))
    with caplog.at_level(logging.ERROR):
        assert asyncio.run(outputs.deliver("socketio", "c1", MESSAGES)) is None
    assert "socket gone" in caplog.text
