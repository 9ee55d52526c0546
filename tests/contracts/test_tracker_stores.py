"""One contract, every tracker store: memory, SQLite, PostgreSQL, Redis."""
from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from engine.stores.tracker.base import TrackerStore
from tests.contracts.conftest import delete_redis_prefix, need_module

_counter = itertools.count()


def session(stamp: float) -> list[dict[str, Any]]:
    """The events a new session starts with."""
    return [
        {"event": "action", "name": "action_session_start", "timestamp": stamp},
        {"event": "session_started", "timestamp": stamp},
        {"event": "action", "name": "action_listen", "timestamp": stamp},
    ]


def user(text: str, stamp: float = 1.0) -> dict[str, Any]:
    """A user event as Rasa serialises it."""
    return {
        "event": "user",
        "timestamp": stamp,
        "text": text,
        "parse_data": {"intent": {"name": "greet", "confidence": 0.9}, "entities": [], "text": text},
        "input_channel": "rest",
        "message_id": None,
        "metadata": {},
    }


@pytest.fixture(params=["memory", "sqlite", "postgresql", "redis"])
def make_store(request: pytest.FixtureRequest, tmp_path: Path, run_id: str) -> Iterator[Callable[[], TrackerStore]]:
    """A factory of stores of one kind sharing one isolated namespace; cleaned up after."""
    kind = request.param
    made: list[TrackerStore] = []
    cleanup: list[Callable[[], None]] = []
    number = next(_counter)

    if kind == "memory":
        from engine.stores.tracker.memory import InMemoryTrackerStore

        shared = InMemoryTrackerStore()
        factory: Callable[[], TrackerStore] = lambda: shared  # noqa: E731 - one process, one store
    elif kind == "sqlite":
        need_module("sqlalchemy")
        from engine.stores.tracker.sql import SQLTrackerStore

        db = str(tmp_path / "rasa.db")
        factory = lambda: SQLTrackerStore(dialect="sqlite", db=db)  # noqa: E731
    elif kind == "postgresql":
        need_module("sqlalchemy")
        need_module("psycopg2")
        url = request.getfixturevalue("postgres_url")
        from engine.stores.tracker.sql import SQLTrackerStore

        table = f"events_t{run_id}_{number}"
        factory = lambda: SQLTrackerStore(url=url, table_name=table)  # noqa: E731

        def drop() -> None:
            import sqlalchemy as sa

            engine = sa.create_engine(url)
            with engine.begin() as conn:
                conn.execute(sa.text(f'DROP TABLE IF EXISTS "{table}"'))
            engine.dispose()

        cleanup.append(drop)
    else:
        need_module("redis")
        url = request.getfixturevalue("redis_url")
        client = request.getfixturevalue("redis_client")
        from engine.stores.tracker.redis import RedisTrackerStore

        prefix = f"parley-test-{run_id}-{number}"
        factory = lambda: RedisTrackerStore(url=url, key_prefix=prefix)  # noqa: E731
        cleanup.append(lambda: delete_redis_prefix(client, prefix))

    def make() -> TrackerStore:
        store = factory()
        made.append(store)
        return store

    yield make
    for store in made:
        store.close()
    for step in cleanup:
        step()


@pytest.fixture
def store(make_store: Callable[[], TrackerStore]) -> TrackerStore:
    """One store of the kind under test."""
    return make_store()


def test_unknown_conversation_is_none(store: TrackerStore) -> None:
    assert store.retrieve("nobody") is None
    assert store.retrieve("nobody", all_sessions=True) is None
    assert not store.exists("nobody")
    assert store.keys() == []


def test_appends_come_back_in_order(store: TrackerStore) -> None:
    store.append("c1", session(1.0))
    for i in range(5):
        store.append("c1", [user(f"message {i}", 2.0 + i), {"event": "bot", "text": f"reply {i}", "timestamp": 2.5 + i}])
    events = store.retrieve("c1")
    assert events is not None
    assert events[:3] == session(1.0)
    texts = [e["text"] for e in events[3:]]
    assert texts == [t for i in range(5) for t in (f"message {i}", f"reply {i}")]
    assert store.exists("c1")


def test_appending_nothing_stores_nothing(store: TrackerStore) -> None:
    store.append("empty", [])
    assert store.retrieve("empty") is None
    assert "empty" not in store.keys()


def test_retrieve_returns_the_current_session_unless_all_sessions(store: TrackerStore) -> None:
    first = session(1.0) + [user("old", 2.0)]
    second = session(10.0) + [user("new", 11.0)]
    store.append("c", first)
    assert store.retrieve("c") == first
    store.append("c", second)
    assert store.retrieve("c") == second
    assert store.retrieve("c", all_sessions=True) == first + second
    # A session that starts in the middle of one append.
    third = [user("late", 12.0)] + session(20.0) + [user("third", 21.0)]
    store.append("c", third)
    assert store.retrieve("c") == third[1:]
    assert store.retrieve("c", all_sessions=True) == first + second + third


def test_conversation_without_session_start_is_one_session(store: TrackerStore) -> None:
    events = [user("a"), user("b"), {"event": "action", "name": "action_listen"}]
    store.append("legacy", events)
    assert store.retrieve("legacy") == events


def test_a_new_store_on_the_same_backend_sees_the_same_conversations(make_store: Callable[[], TrackerStore]) -> None:
    writer = make_store()
    writer.append("shared", session(1.0) + [user("persisted")])
    reader = make_store()
    assert reader.retrieve("shared") == session(1.0) + [user("persisted")]
    assert reader.keys() == ["shared"]


def test_replace_swaps_every_event(store: TrackerStore) -> None:
    store.append("c", session(1.0) + [user("one")])
    store.append("c", session(5.0) + [user("two")])
    replacement = [user("x", 1.0)] + session(2.0) + [user("y", 3.0)]
    store.replace("c", replacement)
    assert store.retrieve("c", all_sessions=True) == replacement
    assert store.retrieve("c") == replacement[1:]
    store.append("c", [user("z", 4.0)])
    assert store.retrieve("c") == replacement[1:] + [user("z", 4.0)]
    store.replace("c", [user("no session")])
    assert store.retrieve("c") == [user("no session")]
    store.replace("c", [])
    assert store.retrieve("c") is None
    assert "c" not in store.keys()


def test_keys_lists_every_conversation(store: TrackerStore) -> None:
    ids = ["alice", "bob", "with:colon", "glob*?[x]", "ünï cödé 会話"]
    for conversation_id in ids:
        store.append(conversation_id, [user(conversation_id)])
    assert sorted(store.keys()) == sorted(ids)
    for conversation_id in ids:
        assert store.retrieve(conversation_id) == [user(conversation_id)]


def test_unicode_and_large_events_round_trip(store: TrackerStore) -> None:
    odd = {
        "event": "bot",
        "timestamp": 1712345678.123456,
        "text": "héllo 👋 こんにちは \u0000 \"quoted\" \\ back\nslash",
        "data": {"elements": None, "buttons": [{"title": "✔", "payload": "/affirm"}], "custom": {"n": 1, "f": 0.5, "b": True}},
        "metadata": {"utter_action": "utter_greet"},
    }
    big = {"event": "user", "text": "x" * 1_000_000, "parse_data": {"entities": [{"value": "ü" * 10_000}]}, "timestamp": 2.0}
    many = [user(f"message {i}", float(i)) for i in range(2500)]
    store.append("u", [odd, big])
    store.append("u", many)
    events = store.retrieve("u")
    assert events is not None
    assert events[0] == odd
    assert events[1] == big
    assert events[2:] == many


def test_concurrent_appends_to_different_conversations(store: TrackerStore) -> None:
    errors: list[BaseException] = []

    def talk(name: str) -> None:
        try:
            store.append(name, session(0.0))
            for i in range(15):
                store.append(name, [user(f"{name} {i}", float(i)), {"event": "bot", "text": f"{name} reply {i}"}])
        except BaseException as ex:  # reported below, not lost in the thread
            errors.append(ex)

    names = [f"thread-{n}" for n in range(6)]
    threads = [threading.Thread(target=talk, args=(name,)) for name in names]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors
    assert sorted(store.keys()) == sorted(names)
    for name in names:
        events = store.retrieve(name)
        assert events is not None and len(events) == 3 + 30
        assert [e["text"] for e in events[3::2]] == [f"{name} {i}" for i in range(15)]
        assert [e["text"] for e in events[4::2]] == [f"{name} reply {i}" for i in range(15)]
