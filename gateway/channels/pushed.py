"""Sending the messages the engine pushes (fired reminders' replies) to the user's channel.

Each gateway worker subscribes to the engine's ``SubscribeMessages`` stream
from a background task started on ASGI lifespan startup, and sends every
pushed message through the output channel the engine names (the
conversation's latest input channel). REST cannot receive pushes, so
without a channel that sends on its own (``callback``, ``socketio``) the
worker does not subscribe at all. The engine gives each push to one
subscriber, so several workers never send it twice.
"""
from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import grpc
import orjson

from gateway.channels.output import OutputChannels
from protos import engine_pb2

logger = logging.getLogger(__name__)

STREAM_DEADLINE = 3600.0
"""Seconds one subscription lasts before it is renewed (every call has a deadline)."""
MIN_BACKOFF = 0.5
MAX_BACKOFF = 10.0
HEALTHY_AFTER = 5.0
"""A subscription that lasted this long resets the reconnect backoff."""


class PushedMessagesListener:
    """Falcon middleware running one worker's subscription to pushed messages.

    Args:
        engine: The engine client (its ``stream`` starts server-streaming calls).
        outputs: The output channels that send the messages.
    """

    def __init__(self, engine: Any, outputs: OutputChannels) -> None:
        self.engine = engine
        self.outputs = outputs
        self._task: asyncio.Task[None] | None = None

    async def process_startup(self, scope: dict[str, object], event: dict[str, object]) -> None:
        """Start the subscription task when a channel can receive pushes."""
        if self._task is None and self.outputs.names():
            self._task = asyncio.get_running_loop().create_task(self.run())

    async def process_shutdown(self, scope: dict[str, object], event: dict[str, object]) -> None:
        """Cancel the subscription task."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            try:
                await task
            except asyncio.CancelledError:
                pass

    async def run(self) -> None:
        """Subscribe, deliver, and resubscribe with backoff until cancelled."""
        backoff = MIN_BACKOFF
        while True:
            started = time.monotonic()
            try:
                await self.listen_once()
            except asyncio.CancelledError:
                raise
            except grpc.aio.AioRpcError as ex:
                if ex.code() == grpc.StatusCode.FAILED_PRECONDITION:  # enough workers subscribed
                    logger.debug("pushed-messages subscription refused: %s", ex.details())
                elif ex.code() != grpc.StatusCode.DEADLINE_EXCEEDED:
                    logger.info("pushed-messages subscription ended (%s); reconnecting", ex.code().name)
            except Exception:  # the task must outlive any one failure
                logger.warning("pushed-messages subscription failed; reconnecting", exc_info=True)
            if time.monotonic() - started >= HEALTHY_AFTER:
                backoff = MIN_BACKOFF
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, MAX_BACKOFF)

    async def listen_once(self) -> None:
        """Hold one subscription open and deliver what arrives on it."""
        call = self.engine.stream(
            "SubscribeMessages", engine_pb2.SubscribeMessagesRequest(), timeout=STREAM_DEADLINE
        )
        try:
            async for pushed in call:
                await self.deliver(pushed)
        finally:
            call.cancel()

    async def deliver(self, pushed: engine_pb2.PushedMessages) -> None:
        """Send one push through its output channel (REST or unknown: dropped, it is in the tracker)."""
        try:
            messages = orjson.loads(pushed.messages_json or b"[]")
        except orjson.JSONDecodeError:
            logger.error("the engine pushed undecodable messages for %r", pushed.conversation_id)
            return
        channel = pushed.output_channel or None
        if self.outputs.resolve(channel) is None:
            logger.info("%d pushed message(s) for %r not sent: channel %r cannot push",
                        len(messages), pushed.conversation_id, channel)
            return
        await self.outputs.deliver(channel, pushed.conversation_id, messages)
