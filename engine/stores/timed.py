"""Tracker store and event broker wrappers that time every call for metrics.

They delegate everything to the wrapped object, so the agent and the
stores' own code do not know about metrics.
"""
from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, Callable, TypeVar

from engine.stores.brokers.base import EventBroker
from engine.stores.tracker.base import TrackerStore

if TYPE_CHECKING:
    from engine.metrics import EngineMetrics

T = TypeVar("T")


class _Timer:
    def __init__(self, metrics: EngineMetrics, store: str) -> None:
        self.metrics = metrics
        self.store = store
        # PERF: one labels() lookup per operation, not per call.
        self._durations: dict[str, Any] = {}

    def run(self, operation: str, call: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        started = time.perf_counter()
        try:
            return call(*args, **kwargs)
        except Exception:
            self.metrics.store_errors.labels(self.store, operation).inc()
            raise
        finally:
            duration = self._durations.get(operation)
            if duration is None:
                duration = self._durations[operation] = self.metrics.store_seconds.labels(self.store, operation)
            duration.observe(time.perf_counter() - started)


class TimedTrackerStore(TrackerStore):
    """Times the calls of ``inner`` (label ``store`` = its name).

    Args:
        inner: The real tracker store.
        metrics: Where to record.
    """

    def __init__(self, inner: TrackerStore, metrics: EngineMetrics) -> None:
        self.inner = inner
        self.name = inner.name
        self._timer = _Timer(metrics, f"tracker_{inner.name}")

    def append(self, conversation_id: str, events: list[dict[str, Any]]) -> None:
        """Append, timed."""
        self._timer.run("append", self.inner.append, conversation_id, events)

    def retrieve(self, conversation_id: str, *, all_sessions: bool = False) -> list[dict[str, Any]] | None:
        """Retrieve, timed."""
        return self._timer.run("retrieve", self.inner.retrieve, conversation_id, all_sessions=all_sessions)

    def replace(self, conversation_id: str, events: list[dict[str, Any]]) -> None:
        """Replace, timed."""
        self._timer.run("replace", self.inner.replace, conversation_id, events)

    def keys(self) -> list[str]:
        """List conversations, timed."""
        return self._timer.run("keys", self.inner.keys)

    def exists(self, conversation_id: str) -> bool:
        """Check existence, timed."""
        return self._timer.run("exists", self.inner.exists, conversation_id)

    def version(self, conversation_id: str) -> Any | None:
        """Return the wrapped store's version of the conversation (not timed: a dict lookup or one key)."""
        return self.inner.version(conversation_id)

    def close(self) -> None:
        """Close the wrapped store."""
        self.inner.close()

    def __getattr__(self, name: str) -> Any:
        # Store-specific extras (e.g. a SQL store's engine) stay reachable.
        return getattr(self.inner, name)


class TimedEventBroker(EventBroker):
    """Times the publishes of ``inner``.

    Args:
        inner: The real broker.
        metrics: Where to record.
    """

    def __init__(self, inner: EventBroker, metrics: EngineMetrics) -> None:
        self.inner = inner
        self.name = inner.name
        self._timer = _Timer(metrics, f"broker_{inner.name}")

    def publish(self, event: dict[str, Any]) -> None:
        """Publish, timed."""
        self._timer.run("publish", self.inner.publish, event)

    def close(self) -> None:
        """Close the wrapped broker."""
        self.inner.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def unwrap(store: Any) -> Any:
    """Return the real store behind any timing wrapper."""
    while isinstance(store, (TimedTrackerStore, TimedEventBroker)):
        store = store.inner
    return store
