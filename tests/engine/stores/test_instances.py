"""Engines on a shared tracker store: an in-memory lock store next to another live engine is refused."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

from engine.stores.instances import EngineMembership, StartRefused, directory_for, join_shared_store
from engine.stores.lock.memory import InMemoryLockStore
from engine.stores.tracker.memory import InMemoryTrackerStore
from tests.contracts.conftest import delete_redis_prefix, need_module

INTERVAL = 0.3  # join watches 1.5 intervals for a heartbeat: shorter misses beats on a loaded machine


@pytest.fixture(params=["sqlite", "redis", "postgresql"])
def shared_store(request: pytest.FixtureRequest, tmp_path: Path, run_id: str) -> Iterator[Callable[[], Any]]:
    """A factory of tracker stores that all open the same shared store."""
    opened: list[Any] = []
    if request.param == "sqlite":
        need_module("sqlalchemy")
        from engine.stores.tracker.sql import SQLTrackerStore

        def make() -> Any:
            opened.append(SQLTrackerStore(db=str(tmp_path / "shared.db")))
            return opened[-1]
    elif request.param == "redis":
        need_module("redis")
        url = request.getfixturevalue("redis_url")
        from engine.stores.tracker.redis import RedisTrackerStore

        def make() -> Any:
            opened.append(RedisTrackerStore(url=url, key_prefix=f"parley-test-{run_id}-members"))
            return opened[-1]
    else:
        need_module("sqlalchemy")
        url = request.getfixturevalue("postgres_url")
        from engine.stores.tracker.sql import SQLTrackerStore

        def make() -> Any:
            opened.append(SQLTrackerStore(url=url, table_name=f"events_members_{run_id}"))
            return opened[-1]
    yield make
    if request.param == "redis" and opened:
        delete_redis_prefix(opened[0].client, f"parley-test-{run_id}-members:")
    if request.param == "postgresql" and opened:
        with opened[0].engine.begin() as conn:
            opened[0].table.drop(conn, checkfirst=True)
    for store in opened:
        store.close()


class SharedLocks(InMemoryLockStore):
    """Stands in for a shared (e.g. Redis) lock store: same type and scope in every engine."""

    name = "redis"

    def scope(self) -> str:
        return "redis:test:locks"


def test_a_second_engine_with_in_memory_locks_is_refused(shared_store: Callable[[], Any]) -> None:
    first = join_shared_store(shared_store(), InMemoryLockStore(), INTERVAL)
    assert first is not None
    try:
        with pytest.raises(StartRefused, match="in-memory lock store"):
            join_shared_store(shared_store(), InMemoryLockStore(), INTERVAL)
    finally:
        first.leave()


def test_an_engine_with_shared_locks_is_refused_next_to_one_with_in_memory_locks(
    shared_store: Callable[[], Any],
) -> None:
    first = join_shared_store(shared_store(), InMemoryLockStore(), INTERVAL)
    assert first is not None
    try:
        with pytest.raises(StartRefused, match=f"pid {os.getpid()}"):
            join_shared_store(shared_store(), SharedLocks(), INTERVAL)
    finally:
        first.leave()


def test_engines_sharing_their_lock_store_run_together(shared_store: Callable[[], Any]) -> None:
    first = join_shared_store(shared_store(), SharedLocks(), INTERVAL)
    second = join_shared_store(shared_store(), SharedLocks(), INTERVAL)
    assert first is not None and second is not None
    second.leave()
    first.leave()


def test_engines_with_different_lock_stores_are_refused(shared_store: Callable[[], Any]) -> None:
    class OtherLocks(SharedLocks):
        def scope(self) -> str:
            return "redis:elsewhere:locks"

    first = join_shared_store(shared_store(), SharedLocks(), INTERVAL)
    assert first is not None
    try:
        with pytest.raises(StartRefused, match="same lock store"):
            join_shared_store(shared_store(), OtherLocks(), INTERVAL)
    finally:
        first.leave()


def test_the_record_of_a_killed_engine_does_not_block_its_successor(shared_store: Callable[[], Any]) -> None:
    store = shared_store()
    directory = directory_for(store, ttl=30)  # fresh for a long time, but it never beats again
    assert directory is not None
    dead = EngineMembership(directory, InMemoryLockStore(), INTERVAL)
    dead._put()  # registered, then "kill -9": no heartbeat thread
    successor = join_shared_store(shared_store(), InMemoryLockStore(), INTERVAL)
    assert successor is not None
    successor.leave()
    directory.remove(dead.record.instance)


def test_a_stopped_engine_leaves_room_for_the_next(shared_store: Callable[[], Any]) -> None:
    first = join_shared_store(shared_store(), InMemoryLockStore(), INTERVAL)
    assert first is not None
    first.leave()
    second = join_shared_store(shared_store(), InMemoryLockStore(), INTERVAL)
    assert second is not None
    second.leave()


def test_private_stores_need_no_membership(tmp_path: Path) -> None:
    assert join_shared_store(InMemoryTrackerStore(), InMemoryLockStore(), INTERVAL) is None
    need_module("sqlalchemy")
    from engine.stores.tracker.sql import SQLTrackerStore

    store = SQLTrackerStore(db=":memory:")
    assert join_shared_store(store, InMemoryLockStore(), INTERVAL) is None
    store.close()
