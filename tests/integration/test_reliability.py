"""Reliability under load and faults: 2 gateway workers, 2 engines, real Redis / PostgreSQL.

Every test starts real processes on loopback, sends many conversations
with several messages of each in flight at once, and checks what the
stores and the event broker hold (see tests/integration/load.py). Faults:
kill -9 of an engine, a crash and restart of Redis or PostgreSQL. Figures
are printed (run with ``-s``). Sizes: PARLEY_RELIABILITY_CONVERSATIONS and
PARLEY_RELIABILITY_MESSAGES (the issue's full size is 200 x 20).
"""
from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path
from typing import Any, Callable, Iterator

import orjson
import pytest
import yaml

from tests.contracts.conftest import delete_redis_prefix, need_module, postgres_url, redis_url, run_id  # noqa: F401
from tests.integration.cluster import Cluster, PrivatePostgres, PrivateRedis, metric_sum
from tests.integration.conftest import train
from tests.conftest import FIXTURES
from tests.integration.load import LoadResult, broker_matches, plan, run_load, verify, with_fault

pytestmark = pytest.mark.integration

CONVERSATIONS = int(os.environ.get("PARLEY_RELIABILITY_CONVERSATIONS", "100"))
MESSAGES = int(os.environ.get("PARLEY_RELIABILITY_MESSAGES", "10"))
FAULT_CONVERSATIONS = max(CONVERSATIONS // 2, 10)
LOCK_LIFETIME = 10  # seconds: a killed holder blocks its conversation this long at most


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Tinybot, trained once for the module."""
    return train(FIXTURES / "bots" / "tinybot", tmp_path_factory.mktemp("models"))


@pytest.fixture(autouse=True)
def _backends() -> None:
    need_module("redis")
    need_module("sqlalchemy")


@pytest.fixture
def cluster_factory(tmp_path: Path, model: Path) -> Iterator[Callable[[dict[str, Any]], Cluster]]:
    """Start clusters with given endpoints; every process is stopped afterwards."""
    started: list[Cluster] = []

    def start(endpoints: dict[str, Any]) -> Cluster:
        cluster = Cluster(tmp_path, model, yaml.safe_dump(endpoints))
        started.append(cluster)
        return cluster.start()

    yield start
    for cluster in started:
        cluster.stop()


def redis_endpoints(url: str, prefix: str, broker: Path, tracker: dict[str, Any] | None = None) -> dict[str, Any]:
    """Redis locks (+ Redis tracker store unless ``tracker`` is given) and a file broker."""
    return {
        "tracker_store": tracker or {"type": "redis", "url": url, "key_prefix": prefix},
        "lock_store": {"type": "redis", "url": url, "key_prefix": f"{prefix}-lock:", "lock_lifetime": LOCK_LIFETIME},
        "event_broker": {"type": "file", "path": str(broker)},
    }


def stored_events(tracker: Any, result: LoadResult) -> dict[str, list[dict[str, Any]]]:
    """Every conversation's events, all sessions, read from the store itself."""
    return {name: tracker.retrieve(name, all_sessions=True) or [] for name in result.by_conversation()}


def published_events(path: Path) -> dict[str, list[dict[str, Any]]]:
    """The file broker's events by conversation, in file order."""
    grouped: dict[str, list[dict[str, Any]]] = {}
    if path.exists():
        for line in path.read_bytes().splitlines():
            event = orjson.loads(line)
            grouped.setdefault(event["sender_id"], []).append(event)
    return grouped


def load(cluster: Cluster, result: LoadResult, fault: Callable[[], None] | None = None,
         at: float = 0.3) -> LoadResult:
    """Run the load, with ``fault`` injected once ``at`` of the messages are answered."""
    running = run_load(cluster.base_url, result)
    if fault is None:
        return asyncio.run(running)
    return asyncio.run(with_fault(running, result, at, fault))


def report(title: str, result: LoadResult, stored: dict[str, list[dict[str, Any]]],
           published: dict[str, list[dict[str, Any]]], cluster: Cluster, seconds: float) -> dict[str, Any]:
    """Print the run's figures and return them."""
    metrics = [cluster.engine_metrics(i) for i in range(cluster.engines)]
    statuses = result.statuses()
    figures = {
        "messages sent": len(result.messages),
        "answered 200": statuses.get(200, 0),
        "answered 503": statuses.get(503, 0),
        "5xx": sum(n for s, n in statuses.items() if s >= 500),
        "other statuses": {s: n for s, n in statuses.items() if s not in (200, 503)},
        "events stored": sum(len(v) for v in stored.values()),
        "events published": sum(len(published.get(name, [])) for name in stored),
        "lock waits (contended acquisitions, live engines)": int(sum(
            metric_sum(m, "parley_engine_lock_acquisitions_total", contended="true") for m in metrics)),
        "lock timeouts": int(sum(metric_sum(m, "parley_engine_lock_timeouts_total") for m in metrics)),
        "turns per live engine": [int(metric_sum(m, "parley_engine_turns_total")) for m in metrics],
        "seconds": round(seconds, 1),
    }
    print(f"\n[{title}] " + "; ".join(f"{k}: {v}" for k, v in figures.items()), flush=True)
    return figures


def check(result: LoadResult, stored: dict[str, list[dict[str, Any]]], cluster: Cluster) -> None:
    """Fail with the first inconsistencies (and the process logs)."""
    verdict = verify(result, stored)
    assert not verdict.problems, "\n".join(verdict.problems) + "\n" + cluster.logs()
    unanswered = [m for m in result.messages if m.status == 0]
    assert not unanswered, f"requests without an HTTP answer (hang?): {unanswered[:3]}"


def test_redis_tracker_and_locks_keep_every_conversation_whole(
    cluster_factory: Callable[..., Cluster], redis_url: str, run_id: str, tmp_path: Path,  # noqa: F811
) -> None:
    prefix = f"parley-rel-{run_id}-redis"
    broker = tmp_path / "events.jsonl"
    cluster = cluster_factory(redis_endpoints(redis_url, prefix, broker))
    from engine.stores.tracker.redis import RedisTrackerStore

    tracker = RedisTrackerStore(url=redis_url, key_prefix=prefix)
    try:
        started = time.monotonic()
        result = load(cluster, plan(prefix, CONVERSATIONS, MESSAGES))
        stored, published = stored_events(tracker, result), published_events(broker)
        figures = report("redis", result, stored, published, cluster, time.monotonic() - started)
        assert not result.unexpected(200), f"{result.unexpected(200)}\n{cluster.logs()}"
        check(result, stored, cluster)
        assert broker_matches(stored, published, exact=True) == []
        assert all(turns > 0 for turns in figures["turns per live engine"]), "one engine got no turn"
        gateway = cluster.gateway_metrics()
        assert metric_sum(gateway, "parley_gateway_requests_total", route="/webhooks/rest/webhook",
                          status="200") == len(result.messages)
    finally:
        delete_redis_prefix(tracker.client, prefix)
        tracker.close()


def test_postgres_tracker_with_redis_locks_keeps_every_conversation_whole(
    cluster_factory: Callable[..., Cluster], redis_url: str, postgres_url: str,  # noqa: F811
    run_id: str, tmp_path: Path,  # noqa: F811
) -> None:
    prefix = f"parley-rel-{run_id}-pg"
    table = f"events_rel_{run_id}"
    broker = tmp_path / "events.jsonl"
    sql = {"type": "sql", "url": postgres_url, "table_name": table}
    cluster = cluster_factory(redis_endpoints(redis_url, prefix, broker, tracker=sql))
    from engine.stores.tracker.sql import SQLTrackerStore

    tracker = SQLTrackerStore(url=postgres_url, table_name=table)
    try:
        started = time.monotonic()
        result = load(cluster, plan(prefix, CONVERSATIONS, MESSAGES))
        stored, published = stored_events(tracker, result), published_events(broker)
        figures = report("postgresql", result, stored, published, cluster, time.monotonic() - started)
        assert not result.unexpected(200), f"{result.unexpected(200)}\n{cluster.logs()}"
        check(result, stored, cluster)
        assert broker_matches(stored, published, exact=True) == []
    finally:
        with tracker.engine.begin() as conn:
            tracker.table.drop(conn, checkfirst=True)
        tracker.close()
        delete_redis_prefix_url(redis_url, prefix)


def delete_redis_prefix_url(url: str, prefix: str) -> None:
    """Delete the lock keys a test left under ``prefix``."""
    import redis

    client = redis.Redis.from_url(url)
    delete_redis_prefix(client, prefix)
    client.close()


def test_kill_9_of_an_engine_gives_503s_and_the_other_carries_on(
    cluster_factory: Callable[..., Cluster], redis_url: str, run_id: str, tmp_path: Path,  # noqa: F811
) -> None:
    prefix = f"parley-rel-{run_id}-kill"
    broker = tmp_path / "events.jsonl"
    cluster = cluster_factory(redis_endpoints(redis_url, prefix, broker))
    from engine.stores.tracker.redis import RedisTrackerStore

    tracker = RedisTrackerStore(url=redis_url, key_prefix=prefix)
    try:
        started = time.monotonic()
        result = load(cluster, plan(prefix, FAULT_CONVERSATIONS, MESSAGES), lambda: cluster.kill_engine(0))
        statuses = result.statuses()
        assert not result.unexpected(200, 503), f"{result.unexpected(200, 503)}\n{cluster.logs()}"
        # The survivor carries on: the last message of every conversation is answered.
        assert all(msgs[-1].status == 200 for msgs in result.by_conversation().values()), statuses
        cluster.start_engine(0)  # restarted: it rejoins without touching the gateway
        for attempt in range(30):  # the gateway retries a lost engine every 2 s at most
            rejoin = load(cluster, plan(f"{prefix}-after{attempt}", 10, 2))
            assert not rejoin.unexpected(200), rejoin.unexpected(200)
            if metric_sum(cluster.engine_metrics(0), "parley_engine_turns_total") > 0:
                break
            time.sleep(0.5)
        assert metric_sum(cluster.engine_metrics(0), "parley_engine_turns_total") > 0, "the restarted engine got no turn"
        stored, published = stored_events(tracker, result), published_events(broker)
        report("kill -9 engine", result, stored, published, cluster, time.monotonic() - started)
        check(result, stored, cluster)
        assert broker_matches(stored, published, exact=False) == []
    finally:
        delete_redis_prefix(tracker.client, prefix)
        tracker.close()


def test_redis_crash_and_restart_gives_clear_503s_then_recovers(
    cluster_factory: Callable[..., Cluster], run_id: str, tmp_path: Path,  # noqa: F811
) -> None:
    server = PrivateRedis(tmp_path)
    server.start()
    prefix = f"parley-rel-{run_id}-redis-restart"
    broker = tmp_path / "events.jsonl"
    cluster = cluster_factory(redis_endpoints(server.url, prefix, broker))
    try:
        def crash_and_restart() -> None:
            server.kill()
            time.sleep(2.0)  # requests meanwhile must get clear 503s
            server.start()

        started = time.monotonic()
        result = load(cluster, plan(prefix, FAULT_CONVERSATIONS, MESSAGES), crash_and_restart)
        statuses = result.statuses()
        assert not result.unexpected(200, 503), f"{result.unexpected(200, 503)}\n{cluster.logs()}"
        assert statuses.get(503, 0) > 0, "requests while Redis was down must get 503"
        after = load(cluster, plan(f"{prefix}-after", 10, 6))
        assert not after.unexpected(200), f"no recovery: {after.unexpected(200)}\n{cluster.logs()}"
        from engine.stores.tracker.redis import RedisTrackerStore

        tracker = RedisTrackerStore(url=server.url, key_prefix=prefix)
        stored, published = stored_events(tracker, result), published_events(broker)
        tracker.close()
        report("redis crash+restart", result, stored, published, cluster, time.monotonic() - started)
        check(result, stored, cluster)
        assert broker_matches(stored, published, exact=False) == []
    finally:
        cluster.stop()
        server.stop()


def test_postgres_crash_and_restart_gives_clear_503s_then_recovers(
    cluster_factory: Callable[..., Cluster], redis_url: str, run_id: str, tmp_path: Path,  # noqa: F811
) -> None:
    need_module("psycopg2")
    database = PrivatePostgres()
    try:
        database.start()
        prefix = f"parley-rel-{run_id}-pg-restart"
        broker = tmp_path / "events.jsonl"
        sql = {"type": "sql", "url": database.url}
        cluster = cluster_factory(redis_endpoints(redis_url, prefix, broker, tracker=sql))

        def crash_and_restart() -> None:
            database.crash()
            time.sleep(2.0)
            database.start()

        started = time.monotonic()
        result = load(cluster, plan(prefix, FAULT_CONVERSATIONS, MESSAGES), crash_and_restart)
        statuses = result.statuses()
        assert not result.unexpected(200, 503), f"{result.unexpected(200, 503)}\n{cluster.logs()}"
        assert statuses.get(503, 0) > 0, "requests while PostgreSQL was down must get 503"
        after = load(cluster, plan(f"{prefix}-after", 10, 6))
        assert not after.unexpected(200), f"no recovery: {after.unexpected(200)}\n{cluster.logs()}"
        from engine.stores.tracker.sql import SQLTrackerStore

        tracker = SQLTrackerStore(url=database.url)
        stored, published = stored_events(tracker, result), published_events(broker)
        tracker.close()
        report("postgresql crash+restart", result, stored, published, cluster, time.monotonic() - started)
        check(result, stored, cluster)
        assert broker_matches(stored, published, exact=False) == []
        cluster.stop()
    finally:
        database.remove()
        delete_redis_prefix_url(redis_url, prefix)
