"""Pushing bot messages the engine produces on its own (fired reminders) to gateways.

:class:`MessagePush` is the agent's ``deliver`` hook. Every subscriber (one
``SubscribeMessages`` stream per gateway worker) has its own bounded queue;
each pushed message goes to ONE subscriber, round-robin, so several gateway
workers never send it to the user twice. Without a subscriber the messages
are only logged: they are stored in the tracker anyway.
"""
from __future__ import annotations

import logging
import queue
import threading
from dataclasses import dataclass
from typing import Any, Callable, Iterator

from engine.errors import Conflict

logger = logging.getLogger(__name__)

QUEUE_SIZE = 1000
"""Pushes a subscriber may have pending before it is skipped."""


@dataclass(frozen=True)
class Pushed:
    """Bot messages of one conversation, for the user's channel.

    Attributes:
        conversation_id: The conversation (recipient) id.
        output_channel: The conversation's latest input channel, or None.
        messages: The bot messages (as ``HandleMessage`` returns them).
    """

    conversation_id: str
    output_channel: str | None
    messages: list[dict[str, Any]]


def latest_input_channel(tracker_store: Any, conversation_id: str) -> str | None:
    """Return the input channel of the conversation's last user message with one."""
    stored = tracker_store.retrieve(conversation_id) or []
    for event in reversed(stored):
        if isinstance(event, dict) and event.get("event") == "user" and event.get("input_channel"):
            return str(event["input_channel"])
    return None


class Subscription:
    """One subscriber's queue; iterate it to receive pushes until it is closed.

    Args:
        hub: The hub it is registered with.
        size: How many pushes may wait.
    """

    _CLOSED = object()

    def __init__(self, hub: MessagePush, size: int) -> None:
        self._hub = hub
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=size)
        self.closed = False

    def offer(self, pushed: Pushed) -> bool:
        """Queue ``pushed`` unless the subscriber is closed or full; return whether queued."""
        if self.closed:
            return False
        try:
            self._queue.put_nowait(pushed)
        except queue.Full:
            return False
        return True

    def get(self, timeout: float) -> Pushed | None:
        """Return the next push, or None after ``timeout`` seconds or once closed."""
        if self.closed and self._queue.empty():
            return None
        try:
            item = self._queue.get(timeout=timeout)
        except queue.Empty:
            return None
        return None if item is self._CLOSED else item

    def close(self) -> None:
        """Stop receiving; wakes a waiting :meth:`get`."""
        if self.closed:
            return
        self.closed = True
        self._hub._remove(self)
        try:
            self._queue.put_nowait(self._CLOSED)
        except queue.Full:
            pass  # the reader is not waiting; it sees ``closed`` on its next get

    def stream(self, is_active: Callable[[], bool], poll: float = 1.0) -> Iterator[Pushed]:
        """Yield pushes while ``is_active()`` and not closed; close on exit."""
        try:
            while not self.closed and is_active():
                pushed = self.get(poll)
                if pushed is not None:
                    yield pushed
        finally:
            self.close()


class MessagePush:
    """Fans the engine's pushed messages out to subscribers, one each, round-robin.

    Args:
        channel_of: Returns a conversation's latest input channel (the
            channel whose output the messages go to).
        queue_size: Bound of each subscriber's queue.
        max_subscribers: How many subscribers may hold a stream at once
            (None: no limit). Each stream holds a gRPC server thread, so the
            engine caps them below its thread count.
    """

    def __init__(
        self,
        channel_of: Callable[[str], str | None] | None = None,
        *,
        queue_size: int = QUEUE_SIZE,
        max_subscribers: int | None = None,
    ) -> None:
        self.channel_of = channel_of
        self.queue_size = queue_size
        self.max_subscribers = max_subscribers
        self._subscribers: list[Subscription] = []
        self._next = 0
        self._guard = threading.Lock()

    def subscribe(self) -> Subscription:
        """Register a new subscriber.

        Raises:
            Conflict: As many subscribers as allowed are registered already
                (one is enough to deliver; the caller retries later).
        """
        subscription = Subscription(self, self.queue_size)
        with self._guard:
            if self.max_subscribers is not None and len(self._subscribers) >= self.max_subscribers:
                raise Conflict("The engine takes no more message subscribers.")
            self._subscribers.append(subscription)
        return subscription

    def _remove(self, subscription: Subscription) -> None:
        with self._guard:
            if subscription in self._subscribers:
                self._subscribers.remove(subscription)

    def subscriber_count(self) -> int:
        """Return how many subscribers are registered."""
        with self._guard:
            return len(self._subscribers)

    def __call__(self, conversation_id: str, messages: list[dict[str, Any]]) -> bool:
        """Push a conversation's messages to one subscriber (the agent's ``deliver`` hook).

        Returns:
            Whether a subscriber took them.
        """
        channel = None
        if self.channel_of is not None:
            try:
                channel = self.channel_of(conversation_id)
            except Exception:  # a store hiccup must not lose the push; channel stays unknown
                logger.warning("cannot read the latest input channel of %r", conversation_id, exc_info=True)
        pushed = Pushed(conversation_id, channel, list(messages))
        with self._guard:
            candidates = len(self._subscribers)
            start = self._next
            for offset in range(candidates):
                subscriber = self._subscribers[(start + offset) % candidates]
                if subscriber.offer(pushed):
                    self._next = (start + offset + 1) % candidates
                    return True
        logger.info(
            "no gateway subscribed to take %d message(s) for %r; they are in the tracker only",
            len(messages), conversation_id,
        )
        return False

    def close(self) -> None:
        """End every subscription (the engine is stopping)."""
        with self._guard:
            subscribers = list(self._subscribers)
        for subscription in subscribers:
            subscription.close()
