"""Redis tracker store specifics: key layout, expiry, Rasa's old values, errors."""
from __future__ import annotations

from collections.abc import Iterator

import orjson
import pytest

from engine.errors import Unavailable
from tests.conftest import free_port
from tests.contracts.conftest import delete_redis_prefix, need_module

need_module("redis")

from engine.stores.tracker.redis import RedisTrackerStore  # noqa: E402 - after the loud skip

SESSION = [
    {"event": "action", "name": "action_session_start", "timestamp": 1.0},
    {"event": "session_started", "timestamp": 1.0},
    {"event": "action", "name": "action_listen", "timestamp": 1.0},
]
USER = {"event": "user", "text": "hi", "timestamp": 2.0}


@pytest.fixture
def prefix(redis_client: object, run_id: str, request: pytest.FixtureRequest) -> Iterator[str]:
    """A key prefix unique to this test; its keys are deleted afterwards."""
    name = f"parley-test-{run_id}-{request.node.name}"
    yield name
    delete_redis_prefix(redis_client, name)


def test_events_live_in_a_list_under_a_rasa_like_key(redis_url: str, redis_client, prefix: str) -> None:
    store = RedisTrackerStore(url=redis_url, key_prefix=prefix)
    store.append("c", [USER])
    store.append("c", SESSION + [USER])
    key = f"{prefix}:tracker:c"
    assert redis_client.type(key) == b"list"
    assert [orjson.loads(item) for item in redis_client.lrange(key, 0, -1)] == [USER] + SESSION + [USER]
    # The side key points at the last session start, so retrieval skips the old session.
    assert redis_client.get(f"{prefix}:tracker_session:c") == b"1"
    assert store.retrieve("c") == SESSION + [USER]
    store.close()


def test_record_exp_expires_conversations_and_each_append_renews_it(redis_url: str, redis_client, prefix: str) -> None:
    store = RedisTrackerStore(url=redis_url, key_prefix=prefix, record_exp=100)
    store.append("c", SESSION)
    key = f"{prefix}:tracker:c"
    assert 0 < redis_client.ttl(key) <= 100
    redis_client.expire(key, 5)
    store.append("c", [USER])
    assert redis_client.ttl(key) > 50
    assert redis_client.ttl(f"{prefix}:tracker_session:c") > 50
    store.close()
    forever = RedisTrackerStore(url=redis_url, key_prefix=prefix + "-forever")
    forever.append("c", [USER])
    assert redis_client.ttl(f"{prefix}-forever:tracker:c") == -1
    forever.replace("c", [])
    forever.close()


def test_a_tracker_rasa_saved_is_read_and_converted_on_append(redis_url: str, redis_client, prefix: str) -> None:
    key = f"{prefix}:tracker:old"
    redis_client.set(key, orjson.dumps({"events": [USER] + SESSION, "name": "old"}))
    store = RedisTrackerStore(url=redis_url, key_prefix=prefix)
    assert store.retrieve("old") == SESSION
    assert store.retrieve("old", all_sessions=True) == [USER] + SESSION
    assert store.keys() == ["old"]
    store.append("old", [USER])
    assert redis_client.type(key) == b"list"
    assert store.retrieve("old", all_sessions=True) == [USER] + SESSION + [USER]
    assert store.retrieve("old") == SESSION + [USER]
    store.close()


def test_full_redis_url_with_database_number(redis_url: str, redis_client, prefix: str) -> None:
    base = redis_url.rsplit("/", 1)[0]
    store = RedisTrackerStore(url=f"{base}/3", key_prefix=prefix)
    store.append("c", [USER])
    other_db = type(redis_client).from_url(f"{base}/3")
    try:
        assert other_db.exists(f"{prefix}:tracker:c")
        assert not redis_client.exists(f"{prefix}:tracker:c")
    finally:
        store.replace("c", [])
        other_db.close()
        store.close()


def test_unreachable_redis_is_unavailable() -> None:
    port = free_port()
    with pytest.raises(Unavailable, match=f"127.0.0.1:{port}"):
        RedisTrackerStore(url="127.0.0.1", port=port)
