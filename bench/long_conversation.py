"""Long conversation: webhook median on a 2,000-event tracker vs a new conversation.

The long conversation is built through ``POST /conversations/<id>/tracker/events``
(moodbot turns: user, action, bot, action_listen), then webhook turns go
alternately to it and to a new sender, so both see the same machine load.

    python -m bench.long_conversation [--runs 3] [--requests 100] [--events 2000]
"""
from __future__ import annotations

import sys
import uuid
from dataclasses import dataclass
from typing import Any

from bench.sequential import WEBHOOK, Client, webhook_body
from bench.servers import Server
from bench.standalone import run_alone
from bench.stats import Summary, summarize

_TURNS = (
    ("hello", "greet", "utter_greet", "Hey! How are you?"),
    ("I am great", "mood_great", "utter_happy", "Great, carry on!"),
)


def moodbot_events(count: int) -> list[dict[str, Any]]:
    """Return ``count`` events of alternating moodbot turns (4 events a turn)."""
    events: list[dict[str, Any]] = []
    while len(events) < count:
        text, intent, action, reply = _TURNS[(len(events) // 4) % len(_TURNS)]
        events += [
            {"event": "user", "text": text,
             "parse_data": {"text": text, "intent": {"name": intent, "confidence": 1.0}, "entities": []}},
            {"event": "action", "name": action},
            {"event": "bot", "text": reply},
            {"event": "action", "name": "action_listen"},
        ]
    return events[:count]


@dataclass
class LongConversation:
    """Webhook latency on a long and on a new conversation, same run."""

    long: Summary
    new: Summary

    @property
    def ratio(self) -> float:
        """Median on the long conversation over median on new ones."""
        return self.long.median / self.new.median

    def __str__(self) -> str:
        return f"long {self.long}; new {self.new}; ratio {self.ratio:.2f}"


def seed_conversation(client: Client, conversation_id: str, events: int) -> None:
    """Give ``conversation_id`` ``events`` events through the HTTP API."""
    client.post(f"/conversations/{conversation_id}/tracker/events", moodbot_events(events))


def measure(server: Server, *, runs: int = 3, requests: int = 100, events: int = 2000) -> LongConversation:
    """Return webhook latency (ms) on a ``events``-event conversation and on new ones."""
    long_ms: list[float] = []
    new_ms: list[float] = []
    prefix = uuid.uuid4().hex[:8]
    with Client(server.base_url) as client:
        for run in range(runs):
            long_id = f"long-{prefix}-{run}"
            seed_conversation(client, long_id, events)
            for i in range(5):  # warm-up, untimed
                client.post(WEBHOOK, webhook_body(long_id, i))
            for i in range(requests):
                long_ms.append(client.timed_post(WEBHOOK, webhook_body(long_id, i)))
                new_ms.append(client.timed_post(WEBHOOK, webhook_body(f"short-{prefix}-{run}-{i}", 0)))
    return LongConversation(summarize(long_ms, "ms", runs), summarize(new_ms, "ms", runs))


if __name__ == "__main__":
    sys.exit(run_alone(__doc__, measure))
