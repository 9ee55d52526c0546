"""In-memory tracker store and lock store."""
from __future__ import annotations

import threading
import time

import pytest

from engine.errors import LockTimeout
from engine.stores.lock.memory import InMemoryLockStore
from engine.stores.tracker.memory import InMemoryTrackerStore

SESSION = [
    {"event": "action", "name": "action_session_start"},
    {"event": "session_started"},
    {"event": "action", "name": "action_listen"},
]


def test_tracker_store_appends_and_returns_current_session() -> None:
    store = InMemoryTrackerStore()
    assert store.retrieve("a") is None
    store.append("a", SESSION + [{"event": "user", "text": "hi"}])
    store.append("a", SESSION)
    assert store.retrieve("a") == SESSION
    assert len(store.retrieve("a", all_sessions=True)) == 7
    assert store.keys() == ["a"]
    store.replace("a", [{"event": "user", "text": "x"}])
    assert store.retrieve("a") == [{"event": "user", "text": "x"}]


def test_lock_serialises_one_conversation_in_arrival_order() -> None:
    locks = InMemoryLockStore()
    order: list[int] = []
    inside = threading.Lock()
    overlaps = []

    def work(i: int) -> None:
        with locks.lock("c1"):
            if not inside.acquire(blocking=False):
                overlaps.append(i)
                return
            order.append(i)
            time.sleep(0.01)
            inside.release()

    with locks.lock("c1"):
        threads = []
        for i in range(5):
            t = threading.Thread(target=work, args=(i,))
            t.start()
            threads.append(t)
            time.sleep(0.02)  # arrive in a known order
    for t in threads:
        t.join()
    assert not overlaps
    assert order == [0, 1, 2, 3, 4]
    assert locks._entries == {}  # nothing kept once nobody waits


def test_other_conversations_are_not_blocked() -> None:
    locks = InMemoryLockStore()
    with locks.lock("c1"):
        with locks.lock("c2", wait=0.1):
            pass


def test_waiting_past_the_deadline_is_a_clear_error_and_frees_the_queue() -> None:
    locks = InMemoryLockStore()
    errors = []
    held = threading.Event()
    release = threading.Event()

    def holder() -> None:
        with locks.lock("c"):
            held.set()
            release.wait()

    t = threading.Thread(target=holder)
    t.start()
    held.wait()
    with pytest.raises(LockTimeout, match="conversation 'c'"):
        with locks.lock("c", wait=0.05):
            errors.append("entered")
    release.set()
    t.join()
    with locks.lock("c", wait=1):  # the abandoned ticket does not block later callers
        pass
    assert errors == []


def test_tracker_store_version_changes_with_every_write_only() -> None:
    store = InMemoryTrackerStore()
    assert store.version("a") is None
    store.append("a", SESSION)
    first = store.version("a")
    store.append("a", [])
    assert store.version("a") == first
    store.retrieve("a")
    assert store.version("a") == first
    store.append("a", [{"event": "user", "text": "hi"}])
    second = store.version("a")
    store.replace("a", SESSION + [{"event": "user", "text": "hi"}])
    assert len({first, second, store.version("a")}) == 3
    store.replace("a", [])
    assert store.version("a") not in (None, first, second)


def test_tracker_store_current_session_starts_inside_an_appended_batch() -> None:
    store = InMemoryTrackerStore()
    store.append("a", [{"event": "user", "text": "old"}])
    store.append("a", [{"event": "bot", "text": "old reply"}, *SESSION])
    store.append("a", [{"event": "user", "text": "new"}])
    assert store.retrieve("a") == [*SESSION, {"event": "user", "text": "new"}]
    assert [e["event"] for e in store.retrieve("a", all_sessions=True)][:2] == ["user", "bot"]


def test_changing_retrieved_events_does_not_change_the_stored_conversation() -> None:
    store = InMemoryTrackerStore()
    store.append("a", [{"event": "user", "text": "hi", "parse_data": {"intent": {"name": "greet"}}}])
    events = store.retrieve("a")
    assert events is not None
    events[0]["parse_data"]["intent"]["name"] = "changed"
    events.append({"event": "bot"})
    assert store.retrieve("a") == [{"event": "user", "text": "hi", "parse_data": {"intent": {"name": "greet"}}}]
