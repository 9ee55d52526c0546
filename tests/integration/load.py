"""Concurrent conversations against a gateway, and the checks of what got stored.

Each conversation sends its messages with several in flight at once. What a
client can rely on is its own ordering: a message sent after the reply to
an earlier one arrived must come after it in the tracker. Messages in
flight together may be stored in either order.
"""
from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable

import httpx

TEXTS = ("hello", "what's the weather in Berlin", "thanks", "will it rain", "bye", "are you a bot?")


@dataclass
class Sent:
    """One message and what became of it."""

    conversation: str
    index: int
    text: str
    sent_at: float = 0.0
    answered_at: float = 0.0
    status: int = 0  # 0: no HTTP answer (client timeout or connection error)
    reply: list[dict[str, Any]] = field(default_factory=list)
    error: str = ""


@dataclass
class LoadResult:
    """Every message of a run."""

    messages: list[Sent]

    def statuses(self) -> Counter[int]:
        """How many messages got each HTTP status (0: no answer)."""
        return Counter(m.status for m in self.messages)

    def unexpected(self, *allowed: int) -> list[str]:
        """Describe the first few messages whose status is not in ``allowed``."""
        odd = [m for m in self.messages if m.status not in allowed]
        return [f"{m.conversation} #{m.index}: {m.status} {m.error}" for m in odd[:5]]

    def server_errors(self) -> list[Sent]:
        """Messages answered with a 5xx."""
        return [m for m in self.messages if m.status >= 500]

    def by_conversation(self) -> dict[str, list[Sent]]:
        """Messages grouped by conversation, in index order."""
        grouped: dict[str, list[Sent]] = {}
        for message in self.messages:
            grouped.setdefault(message.conversation, []).append(message)
        return grouped

    @property
    def done(self) -> int:
        """Messages answered so far (the load updates it while running)."""
        return sum(1 for m in self.messages if m.answered_at)


def plan(prefix: str, conversations: int, messages: int) -> LoadResult:
    """The messages of a run: distinct texts, so each can be found in the tracker."""
    return LoadResult([
        Sent(f"{prefix}-c{c}", i, f"{TEXTS[(c + i) % len(TEXTS)]} m{i}")
        for c in range(conversations) for i in range(messages)
    ])


async def run_load(
    base_url: str,
    result: LoadResult,
    *,
    in_flight_per_conversation: int = 3,
    in_flight_total: int = 48,
    timeout: float = 40.0,
) -> LoadResult:
    """Send every planned message; fill in statuses, replies and times."""
    # Idle connections are dropped before the gateway's 2 s keep-alive ends, so a
    # request never races the server closing its connection.
    limits = httpx.Limits(max_connections=in_flight_total, max_keepalive_connections=in_flight_total,
                          keepalive_expiry=1.0)
    total = asyncio.Semaphore(in_flight_total)
    lanes = {name: asyncio.Semaphore(in_flight_per_conversation) for name in result.by_conversation()}
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=timeout) as client:

        async def send(message: Sent) -> None:
            async with lanes[message.conversation], total:
                message.sent_at = time.monotonic()
                try:
                    reply = await client.post("/webhooks/rest/webhook",
                                              json={"sender": message.conversation, "message": message.text})
                    message.status = reply.status_code
                    if reply.status_code == 200:
                        message.reply = reply.json()
                    else:
                        message.error = reply.text[:300]
                except httpx.HTTPError as ex:
                    message.error = f"{ex.__class__.__name__}: {ex}"
                message.answered_at = time.monotonic()

        # Tasks are created in send order and the semaphores are FIFO: each
        # conversation's messages leave in index order, a burst of
        # ``in_flight_per_conversation`` at a time, so they overlap.
        await asyncio.gather(*(send(m) for m in _bursts(result, in_flight_per_conversation)))
    return result


def _bursts(result: LoadResult, size: int) -> list[Sent]:
    """Round-robin over conversations, ``size`` consecutive messages of one at a time."""
    grouped = list(result.by_conversation().values())
    order = []
    for start in range(0, max(len(g) for g in grouped), size):
        for messages in grouped:
            order.extend(messages[start:start + size])
    return order


async def with_fault(load: Awaitable[LoadResult], result: LoadResult, at_fraction: float,
                     fault: Callable[[], None]) -> LoadResult:
    """Run ``load``; when ``at_fraction`` of the messages are answered, run ``fault`` in a thread."""
    task = asyncio.ensure_future(load)
    target = int(len(result.messages) * at_fraction)
    while not task.done() and result.done < target:
        await asyncio.sleep(0.02)
    if not task.done():
        await asyncio.get_running_loop().run_in_executor(None, fault)
    return await task


@dataclass
class Verdict:
    """What the stores hold compared with what the clients sent."""

    events_stored: int = 0
    user_events: int = 0
    problems: list[str] = field(default_factory=list)

    def fail(self, problem: str) -> None:
        """Note one inconsistency (only the first few are kept)."""
        if len(self.problems) < 20:
            self.problems.append(problem)


def verify(result: LoadResult, stored: dict[str, list[dict[str, Any]]]) -> Verdict:
    """Check every conversation's events against its messages.

    - each message answered 200 is stored exactly once; a message that
      failed is stored at most once (its turn may have been written just
      before the failure); nothing else is stored;
    - a message sent after another's answer arrived is stored after it;
    - every turn is whole: the user event, then its bot events (as many as
      the reply had), ending with ``action_listen``.
    """
    verdict = Verdict()
    for conversation, messages in result.by_conversation().items():
        events = stored.get(conversation) or []
        verdict.events_stored += len(events)
        by_text = {m.text: m for m in messages}
        turns = _turns(events)
        verdict.user_events += len(turns)
        seen = Counter(text for text, _ in turns)
        for text, count in seen.items():
            if text not in by_text:
                verdict.fail(f"{conversation}: stored a message nobody sent: {text!r}")
            elif count > 1:
                verdict.fail(f"{conversation}: {text!r} stored {count} times")
        for message in messages:
            if message.status == 200 and seen[message.text] != 1:
                verdict.fail(f"{conversation}: answered message {message.text!r} stored {seen[message.text]} times")
        position = {text: index for index, (text, _) in enumerate(turns)}
        for earlier in messages:
            for later in messages:
                if (earlier.text in position and later.text in position and earlier.answered_at
                        and later.sent_at > earlier.answered_at
                        and position[later.text] < position[earlier.text]):
                    verdict.fail(f"{conversation}: {later.text!r} (sent after {earlier.text!r} was answered) "
                                 "is stored before it")
        for text, turn in turns:
            if not turn or turn[-1].get("event") != "action" or turn[-1].get("name") != "action_listen":
                verdict.fail(f"{conversation}: the turn of {text!r} is not whole: "
                             f"{[e.get('event') + ':' + str(e.get('name', '')) for e in turn]}")
            message = by_text.get(text)
            bots = sum(1 for e in turn if e.get("event") == "bot")
            if message is not None and message.status == 200 and bots != len(message.reply):
                verdict.fail(f"{conversation}: {text!r} answered {len(message.reply)} messages, stored {bots}")
    return verdict


def _turns(events: list[dict[str, Any]]) -> list[tuple[str, list[dict[str, Any]]]]:
    """Split events at user events: (user text, the events after it up to the next user event)."""
    turns: list[tuple[str, list[dict[str, Any]]]] = []
    for event in events:
        if event.get("event") == "user":
            turns.append((str(event.get("text")), []))
        elif turns:
            turns[-1][1].append(event)
    return turns


def broker_matches(stored: dict[str, list[dict[str, Any]]], published: dict[str, list[dict[str, Any]]],
                   *, exact: bool) -> list[str]:
    """Compare the broker's events with the stored ones, for each conversation of ``stored``.

    ``exact``: the same events in the same order. Otherwise the published
    events must be the stored ones in order with some possibly missing (an
    engine killed between storing a turn and publishing it).
    """
    problems = []
    for conversation in sorted(stored):
        have = [_strip(e) for e in stored.get(conversation, [])]
        sent = [_strip(e) for e in published.get(conversation, [])]
        if exact and have != sent:
            problems.append(f"{conversation}: stored {len(have)} events, broker got {len(sent)} (or another order)")
        elif not exact and not _is_subsequence(sent, have):
            problems.append(f"{conversation}: the broker got events that are not stored, or out of order")
    return problems


def _strip(event: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in event.items() if k != "sender_id"}


def _is_subsequence(part: list[Any], whole: list[Any]) -> bool:
    position = 0
    for item in part:
        while position < len(whole) and whole[position] != item:
            position += 1
        if position == len(whole):
            return False
        position += 1
    return True
