"""Stores and brokers by name from endpoints.yml sections; build_stores in the engine."""
from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest

from engine.errors import DataError
from engine.server import build_stores
from engine.stores.lock.memory import InMemoryLockStore
from engine.stores.registry import create_event_broker, create_lock_store, create_tracker_store
from engine.stores.tracker.memory import InMemoryTrackerStore
from tests.conftest import REPO, free_port
from tests.contracts.conftest import need_module


class CustomTrackerStore(InMemoryTrackerStore):
    """A user's own store, named as ``module.Class`` in endpoints.yml."""

    def __init__(self, greeting: str = "", **_: Any) -> None:
        super().__init__()
        self.greeting = greeting


class NotAStore:
    """Lacks the tracker store methods."""


@pytest.mark.parametrize("config", [None, {}, {"type": "in_memory"}, {"store_type": "InMemory"}, {"type": "memory"}])
def test_in_memory_is_the_default(config: dict | None) -> None:
    assert isinstance(create_tracker_store(config), InMemoryTrackerStore)
    assert isinstance(create_lock_store(config), InMemoryLockStore)


def test_unknown_types_name_the_valid_ones() -> None:
    with pytest.raises(DataError, match="tracker_store: unknown type 'mongod'.*in_memory, redis, sql"):
        create_tracker_store({"type": "mongod"})
    with pytest.raises(DataError, match="lock_store: unknown type 'sql'.*in_memory, redis"):
        create_lock_store({"type": "sql"})
    with pytest.raises(DataError, match="event_broker: unknown type 'kafka'.*file, pika, sql"):
        create_event_broker({"type": "kafka", "url": "localhost"})


def test_custom_class_by_module_path() -> None:
    store = create_tracker_store({"type": f"{__name__}.CustomTrackerStore", "greeting": "hi"})
    assert isinstance(store, CustomTrackerStore) and store.greeting == "hi"
    with pytest.raises(DataError, match="cannot import 'no.such.Store'"):
        create_tracker_store({"type": "no.such.Store"})
    with pytest.raises(DataError, match="is not a TrackerStore"):
        create_tracker_store({"type": f"{__name__}.NotAStore"})


def test_no_broker_section_means_no_broker() -> None:
    assert create_event_broker(None) is None
    assert create_event_broker({}) is None
    with pytest.raises(DataError, match="no 'type'"):
        create_event_broker({"path": "x.log"})


def test_a_broker_with_only_a_url_is_pika() -> None:
    need_module("pika")
    broker = create_event_broker({"url": "127.0.0.1", "port": free_port(), "retry_delay_in_seconds": 60})
    assert broker is not None and broker.name == "pika"
    broker.close()


def test_file_broker_writes_to_rasas_default_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    broker = create_event_broker({"type": "file"})
    assert broker is not None
    broker.publish({"sender_id": "s", "event": "user", "text": "hi"})
    broker.close()
    lines = (tmp_path / "rasa_event.log").read_bytes().splitlines()
    assert [orjson.loads(line) for line in lines] == [{"sender_id": "s", "event": "user", "text": "hi"}]


def test_sql_tracker_store_from_endpoints(tmp_path: Path) -> None:
    need_module("sqlalchemy")
    store = create_tracker_store({"type": "SQL", "dialect": "sqlite", "db": str(tmp_path / "bot.db")})
    store.append("c", [{"event": "user", "text": "hi"}])
    assert store.retrieve("c") == [{"event": "user", "text": "hi"}]
    store.close()
    assert (tmp_path / "bot.db").is_file()


def test_bad_options_are_data_errors() -> None:
    with pytest.raises(DataError, match="section|mapping"):
        create_tracker_store(["not", "a", "mapping"])  # type: ignore[arg-type]
    need_module("redis")
    with pytest.raises(DataError, match="lock_lifetime"):
        create_lock_store({"type": "redis", "lock_lifetime": 0})


def test_build_stores_warns_when_a_shared_store_has_an_in_process_lock(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    need_module("sqlalchemy")
    caplog.set_level(logging.WARNING)
    tracker, lock = build_stores({"tracker_store": {"type": "sql", "db": str(tmp_path / "rasa.db")}})
    assert tracker.name == "sql" and isinstance(lock, InMemoryLockStore)
    assert "only ONE engine process" in caplog.text
    tracker.close()
    caplog.clear()
    tracker, lock = build_stores({})
    assert isinstance(tracker, InMemoryTrackerStore) and isinstance(lock, InMemoryLockStore)
    assert "only ONE" not in caplog.text


def test_build_stores_uses_redis_locks(redis_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture, run_id: str) -> None:
    need_module("sqlalchemy")
    need_module("redis")
    caplog.set_level(logging.WARNING)
    tracker, lock = build_stores({
        "tracker_store": {"type": "sql", "db": str(tmp_path / "rasa.db")},
        "lock_store": {"type": "redis", "url": redis_url, "key_prefix": f"parley-test-{run_id}-build:"},
    })
    assert lock.name == "redis"
    with lock.lock("c", wait=1):
        pass
    assert "only ONE" not in caplog.text
    tracker.close()
    lock.close()


def test_choosing_stores_imports_no_backend_library_until_used() -> None:
    probe = (
        "import sys\n"
        "import engine.server, engine.stores.registry\n"
        "engine.stores.registry.create_tracker_store(None)\n"
        "engine.stores.registry.create_lock_store(None)\n"
        "print(','.join(m for m in ('sqlalchemy', 'redis', 'pika') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=REPO, check=True)
    assert out.stdout.strip() == ""
