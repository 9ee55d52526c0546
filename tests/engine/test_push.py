"""The engine's fan-out of pushed messages (fired reminders' replies) to gateway subscribers."""
from __future__ import annotations

import threading

import pytest

from engine.push import MessagePush, latest_input_channel
from engine.stores.tracker.memory import InMemoryTrackerStore

HELLO = [{"recipient_id": "ann", "text": "Remember to call John!"}]


def drain(subscription) -> list:
    out = []
    while (pushed := subscription.get(0.01)) is not None:
        out.append(pushed)
    return out


def test_each_push_reaches_exactly_one_subscriber_round_robin() -> None:
    push = MessagePush(lambda cid: "callback")
    first, second = push.subscribe(), push.subscribe()
    for n in range(4):
        assert push(f"user-{n}", HELLO) is True
    got_first, got_second = drain(first), drain(second)
    assert [p.conversation_id for p in got_first] == ["user-0", "user-2"]
    assert [p.conversation_id for p in got_second] == ["user-1", "user-3"]
    assert all(p.output_channel == "callback" and p.messages == HELLO for p in got_first + got_second)


def test_without_subscribers_messages_are_only_logged() -> None:
    push = MessagePush()
    assert push("ann", HELLO) is False
    late = push.subscribe()
    assert drain(late) == []


def test_a_full_or_closed_subscriber_is_skipped() -> None:
    push = MessagePush(queue_size=1)
    full, other = push.subscribe(), push.subscribe()
    assert push("a", HELLO) and push("b", HELLO)  # one each
    assert push("c", HELLO) is False  # both queues are full
    drain(other)
    assert push("d", HELLO) is True
    assert [p.conversation_id for p in drain(other)] == ["d"]
    full.close()
    assert push.subscriber_count() == 1
    assert push("e", HELLO) is True
    assert [p.conversation_id for p in drain(other)] == ["e"]


def test_stream_ends_when_the_hub_closes() -> None:
    push = MessagePush()
    subscription = push.subscribe()
    received: list = []
    reader = threading.Thread(target=lambda: received.extend(subscription.stream(lambda: True, poll=0.05)))
    reader.start()
    assert push("ann", HELLO) is True
    push.close()
    reader.join(5)
    assert not reader.is_alive()
    assert [p.conversation_id for p in received] == ["ann"]
    assert push.subscriber_count() == 0


def test_output_channel_is_the_latest_input_channel() -> None:
    store = InMemoryTrackerStore()
    store.append("ann", [
        {"event": "user", "text": "hi", "input_channel": "socketio", "timestamp": 1.0},
        {"event": "bot", "text": "hey", "timestamp": 2.0},
        {"event": "user", "text": "again", "input_channel": "callback", "timestamp": 3.0},
        {"event": "user", "text": "EXTERNAL: x", "input_channel": None, "timestamp": 4.0},
    ])
    assert latest_input_channel(store, "ann") == "callback"
    assert latest_input_channel(store, "nobody") is None


def test_subscribers_beyond_the_limit_are_refused() -> None:
    from engine.errors import Conflict

    push = MessagePush(max_subscribers=1)
    first = push.subscribe()
    with pytest.raises(Conflict):
        push.subscribe()
    first.close()
    push.subscribe()
