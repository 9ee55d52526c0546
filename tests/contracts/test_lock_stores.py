"""One contract, every lock store: memory and Redis."""
from __future__ import annotations

import itertools
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from engine.errors import LockTimeout
from engine.stores.lock.base import LockStore
from tests.contracts.conftest import delete_redis_prefix, need_module

REPO = Path(__file__).resolve().parents[2]
_counter = itertools.count()
# Lifetimes, waiter heartbeats and processes exist only for the shared store.
REDIS_ONLY = pytest.mark.parametrize("make_locks", ["redis"], indirect=True)


@pytest.fixture(params=["memory", "redis"])
def make_locks(request: pytest.FixtureRequest, run_id: str) -> Iterator[Callable[..., LockStore]]:
    """A factory of lock stores of one kind sharing one namespace; cleaned up after."""
    made: list[LockStore] = []
    if request.param == "memory":
        from engine.stores.lock.memory import InMemoryLockStore

        shared = InMemoryLockStore()
        factory: Callable[..., LockStore] = lambda **_: shared  # noqa: E731 - one process, one store
        prefix = ""
    else:
        need_module("redis")
        url = request.getfixturevalue("redis_url")
        client = request.getfixturevalue("redis_client")  # set up now: teardown needs it
        from engine.stores.lock.redis import RedisLockStore

        prefix = f"parley-test-lock-{run_id}-{next(_counter)}:"
        factory = lambda **options: RedisLockStore(url=url, key_prefix=prefix, **options)  # noqa: E731

    def make(**options: object) -> LockStore:
        store = factory(**options)
        made.append(store)
        return store

    make.kind = request.param  # type: ignore[attr-defined]
    make.prefix = prefix  # type: ignore[attr-defined]
    yield make
    for store in made:
        store.close()
    if request.param == "redis":
        delete_redis_prefix(client, prefix)


def start(target: Callable[..., None], *args: object) -> threading.Thread:
    """Start a daemon thread (a hung test must not hang the run)."""
    thread = threading.Thread(target=target, args=args, daemon=True)
    thread.start()
    return thread


def test_one_holder_at_a_time(make_locks: Callable[..., LockStore]) -> None:
    # Two store objects: with Redis they exclude each other like two processes.
    stores = [make_locks(), make_locks()]
    inside = 0
    overlaps: list[int] = []
    count_guard = threading.Lock()
    done: list[int] = []

    def work(n: int) -> None:
        nonlocal inside
        for _ in range(8):
            with stores[n % 2].lock("shared", wait=20):
                with count_guard:
                    inside += 1
                    if inside > 1:
                        overlaps.append(n)
                time.sleep(0.002)
                with count_guard:
                    inside -= 1
        done.append(n)

    threads = [start(work, n) for n in range(5)]
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(done) == list(range(5))
    assert overlaps == []


def test_waiters_are_served_in_arrival_order(make_locks: Callable[..., LockStore]) -> None:
    locks = make_locks()
    order: list[int] = []
    arrived = [threading.Event() for _ in range(5)]

    def work(i: int) -> None:
        arrived[i].set()
        with locks.lock("fifo", wait=20):
            order.append(i)
            time.sleep(0.005)

    with locks.lock("fifo"):
        threads = []
        for i in range(5):
            threads.append(start(work, i))
            arrived[i].wait(5)
            time.sleep(0.05)  # the thread is queued before the next one starts
    for thread in threads:
        thread.join(timeout=20)
    assert order == [0, 1, 2, 3, 4]


def test_other_conversations_are_not_blocked(make_locks: Callable[..., LockStore]) -> None:
    locks = make_locks()
    with locks.lock("one"):
        with locks.lock("two", wait=0.5):
            pass


def test_deadline_raises_lock_timeout_and_the_queue_moves_on(make_locks: Callable[..., LockStore]) -> None:
    locks = make_locks()
    held = threading.Event()
    release = threading.Event()
    entered: list[str] = []

    def holder() -> None:
        with locks.lock("c"):
            held.set()
            release.wait(10)

    thread = start(holder)
    assert held.wait(5)
    with pytest.raises(LockTimeout, match="conversation 'c'"):
        with locks.lock("c", wait=0.1):
            entered.append("timed-out caller")

    # A caller queued behind the abandoned ticket still gets its turn.
    after: list[str] = []
    follower = start(lambda: _hold_once(locks, "c", after))
    time.sleep(0.05)
    release.set()
    thread.join(timeout=10)
    follower.join(timeout=10)
    assert entered == []
    assert after == ["served"]
    with locks.lock("c", wait=2):
        pass


def _hold_once(locks: LockStore, conversation_id: str, log: list[str]) -> None:
    with locks.lock(conversation_id, wait=5):
        log.append("served")


@REDIS_ONLY
def test_a_crashed_holder_does_not_block_forever(make_locks: Callable[..., LockStore]) -> None:
    crashed = make_locks(lock_lifetime=1.0)
    # Enter the lock and never leave it: what a killed process leaves behind.
    # (Keep a reference: a collected generator would run its release.)
    abandoned = crashed.lock("stuck", wait=1)
    abandoned.__enter__()
    survivor = make_locks(lock_lifetime=1.0)
    with pytest.raises(LockTimeout):  # still held: no double processing
        with survivor.lock("stuck", wait=0):
            pass
    with survivor.lock("stuck", wait=10):  # served once the dead holder's lifetime ran out
        pass


@REDIS_ONLY
def test_a_crashed_waiter_does_not_block_the_queue(make_locks: Callable[..., LockStore]) -> None:
    locks = make_locks(heartbeat=0.3)
    keys = locks._keys("q")  # type: ignore[attr-defined]
    with locks.lock("q"):
        # Queue behind the holder and never poll again: a process killed while it waited.
        timing = ["dead", locks.lifetime_ms, locks.heartbeat_ms, locks._idle_ms]  # type: ignore[attr-defined]
        _, got = locks._take(keys=keys, args=[0, *timing])  # type: ignore[attr-defined]
        assert got == 0
    with locks.lock("q", wait=5):  # served once the dead waiter's heartbeat ran out
        pass


WORKER = r"""
import sys, time
sys.path.insert(0, sys.argv[1])
import redis
from engine.stores.lock.redis import RedisLockStore

url, prefix, name, rounds = sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
locks = RedisLockStore(url=url, key_prefix=prefix)
raw = redis.Redis.from_url(url)
print("ready", flush=True)
sys.stdin.readline()  # start together
for i in range(rounds):
    with locks.lock("contended", wait=30):
        if raw.incr(prefix + "inside") != 1:
            raw.rpush(prefix + "overlaps", name)
        raw.rpush(prefix + "log", f"{name}:{i}")
        time.sleep(0.003)
        raw.decr(prefix + "inside")
locks.close()
"""


@REDIS_ONLY
def test_two_processes_exclude_each_other(
    make_locks: Callable[..., LockStore], redis_client: object, redis_url: str
) -> None:
    prefix = make_locks.prefix  # type: ignore[attr-defined]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, str(REPO), redis_url, prefix, name, "25"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
        )
        for name in ("p1", "p2")
    ]
    try:
        for proc in procs:
            assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        for proc in procs:
            assert proc.stdin is not None
            proc.stdin.write("go\n")
            proc.stdin.flush()
        for proc in procs:
            _, err = proc.communicate(timeout=60)
            assert proc.returncode == 0, err
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
    log = [item.decode() for item in redis_client.lrange(prefix + "log", 0, -1)]  # type: ignore[attr-defined]
    assert redis_client.llen(prefix + "overlaps") == 0  # type: ignore[attr-defined]
    assert sorted(log) == sorted(f"{n}:{i}" for n in ("p1", "p2") for i in range(25))
    # Each process kept its own order, and both got turns (fair, not one after the other).
    for name in ("p1", "p2"):
        mine = [int(entry.split(":")[1]) for entry in log if entry.startswith(name)]
        assert mine == list(range(25))
    owners = [entry.split(":")[0] for entry in log]
    switches = sum(1 for a, b in zip(owners, owners[1:]) if a != b)
    assert switches >= 10, owners


@REDIS_ONLY
def test_redis_keys_are_gone_once_nobody_holds_or_waits(make_locks: Callable[..., LockStore], redis_client: object) -> None:
    locks = make_locks()
    with locks.lock("tidy"):
        assert redis_client.exists(f"{make_locks.prefix}tidy:holder")  # type: ignore[attr-defined]
    left = list(redis_client.scan_iter(match=f"{make_locks.prefix}tidy*"))  # type: ignore[attr-defined]
    assert left == []


@REDIS_ONLY
def test_a_holder_that_outlives_its_lock_is_warned(
    make_locks: Callable[..., LockStore], caplog: pytest.LogCaptureFixture
) -> None:
    locks = make_locks(lock_lifetime=0.2)
    with locks.lock("slow"):
        with locks.lock("slow", wait=5):  # the lifetime ran out: someone else got in
            pass
    assert "expired" in caplog.text and "'slow'" in caplog.text
