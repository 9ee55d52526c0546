"""Engine metrics: lock waits, store latency, served model, Prometheus text."""
from __future__ import annotations

import threading
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from engine.errors import Unavailable
from engine.metrics import EngineMetrics
from engine.stores.lock.memory import InMemoryLockStore
from engine.stores.timed import TimedEventBroker, TimedTrackerStore, unwrap
from engine.stores.tracker.memory import InMemoryTrackerStore


def sample(metrics: EngineMetrics, name: str, **labels: str) -> float:
    value = metrics.registry.get_sample_value(name, labels)
    return 0.0 if value is None else value


def test_lock_waits_are_counted_as_contended() -> None:
    metrics = EngineMetrics()
    locks = InMemoryLockStore()
    locks.observer = metrics
    inside = threading.Event()

    def hold() -> None:
        with locks.lock("c1"):
            inside.set()
            time.sleep(0.2)

    holder = threading.Thread(target=hold)
    holder.start()
    inside.wait()
    with locks.lock("c1"):
        pass
    holder.join()
    assert sample(metrics, "parley_engine_lock_acquisitions_total", contended="false") == 1
    assert sample(metrics, "parley_engine_lock_acquisitions_total", contended="true") == 1
    assert sample(metrics, "parley_engine_lock_wait_seconds_count") == 2


def test_lock_timeouts_are_counted() -> None:
    from engine.errors import LockTimeout

    metrics = EngineMetrics()
    locks = InMemoryLockStore()
    locks.observer = metrics
    with locks.lock("c1"):
        worker_error: list[Exception] = []

        def wait_briefly() -> None:
            try:
                with locks.lock("c1", wait=0.05):
                    pass
            except LockTimeout as ex:
                worker_error.append(ex)

        thread = threading.Thread(target=wait_briefly)
        thread.start()
        thread.join()
    assert worker_error and sample(metrics, "parley_engine_lock_timeouts_total") == 1


def test_timed_tracker_store_records_calls_and_failures() -> None:
    metrics = EngineMetrics()
    store = TimedTrackerStore(InMemoryTrackerStore(), metrics)
    store.append("c1", [{"event": "action", "name": "action_listen"}])
    assert store.retrieve("c1") == [{"event": "action", "name": "action_listen"}]
    assert unwrap(store).name == "in_memory"
    assert sample(metrics, "parley_engine_store_duration_seconds_count", store="tracker_in_memory",
                  operation="append") == 1

    class Down(InMemoryTrackerStore):
        def retrieve(self, conversation_id: str, *, all_sessions: bool = False) -> Any:
            raise Unavailable("down")

    failing = TimedTrackerStore(Down(), metrics)
    with pytest.raises(Unavailable):
        failing.retrieve("c1")
    assert sample(metrics, "parley_engine_store_errors_total", store="tracker_in_memory",
                  operation="retrieve") == 1


def test_timed_broker_records_publishes(tmp_path: Path) -> None:
    from engine.stores.brokers.file import FileEventBroker

    metrics = EngineMetrics()
    broker = TimedEventBroker(FileEventBroker(path=tmp_path / "events.log"), metrics)
    broker.publish({"sender_id": "c1", "event": "action", "name": "action_listen"})
    broker.close()
    assert (tmp_path / "events.log").read_text().count("\n") == 1
    assert sample(metrics, "parley_engine_store_duration_seconds_count", store="broker_file",
                  operation="publish") == 1


def test_served_model_is_reported_at_scrape_time() -> None:
    metrics = EngineMetrics()
    agent = SimpleNamespace(model=None)
    metrics.watch_model(agent)  # type: ignore[arg-type]
    assert b"parley_engine_model_loaded 0.0" in metrics.text()
    agent.model = SimpleNamespace(model_id="abc123", path=Path("models/bot.tar.gz"))
    text = metrics.text().decode()
    assert 'parley_engine_model_info{model_file="bot.tar.gz",model_id="abc123"} 1.0' in text
    assert "parley_engine_model_loaded 1.0" in text


def test_turn_rpcs_count_as_turns() -> None:
    metrics = EngineMetrics()
    metrics.rpc_done("HandleMessage", "OK", 0.01)
    metrics.rpc_done("HandleMessage", "UNAVAILABLE", 0.01)
    metrics.rpc_done("GetTracker", "OK", 0.01)
    assert sample(metrics, "parley_engine_turns_total", outcome="ok") == 1
    assert sample(metrics, "parley_engine_turns_total", outcome="unavailable") == 1
    assert sample(metrics, "parley_engine_rpcs_total", method="GetTracker", code="OK") == 1
