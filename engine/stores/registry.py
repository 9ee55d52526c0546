"""Stores and brokers by name, from endpoints.yml sections (Rasa's keys).

Implementations are imported only when chosen, so a backend's client
library is needed only by those who use it and ``import engine`` stays light.
A ``type`` may also be ``module.Class`` naming a custom implementation.
"""
from __future__ import annotations

import importlib
import logging
from typing import TYPE_CHECKING, Any

from engine.errors import DataError

if TYPE_CHECKING:
    from engine.stores.brokers.base import EventBroker
    from engine.stores.lock.base import LockStore
    from engine.stores.tracker.base import TrackerStore

logger = logging.getLogger(__name__)

TRACKER_STORES: dict[str, str] = {
    "in_memory": "engine.stores.tracker.memory:InMemoryTrackerStore",
    "sql": "engine.stores.tracker.sql:SQLTrackerStore",
    "redis": "engine.stores.tracker.redis:RedisTrackerStore",
}
LOCK_STORES: dict[str, str] = {
    "in_memory": "engine.stores.lock.memory:InMemoryLockStore",
    "redis": "engine.stores.lock.redis:RedisLockStore",
}
EVENT_BROKERS: dict[str, str] = {
    "pika": "engine.stores.brokers.pika:PikaEventBroker",
    "sql": "engine.stores.brokers.sql:SQLEventBroker",
    "file": "engine.stores.brokers.file:FileEventBroker",
}
_ALIASES = {"memory": "in_memory", "inmemory": "in_memory", "in-memory": "in_memory"}
# Tracker stores that several engine processes can share (they then need a shared lock store).
SHARED_TRACKER_STORES = frozenset({"sql", "redis"})


def store_type(config: dict[str, Any] | None) -> str | None:
    """Return the section's ``type`` (alias ``store_type``), normalised, or None."""
    if not config:
        return None
    raw = config.get("type") or config.get("store_type")
    if raw is None or str(raw).strip() == "":
        return None
    text = str(raw).strip()
    if "." in text:
        return text  # module.Class keeps its case
    lowered = text.lower()
    return _ALIASES.get(lowered, lowered)


def create_tracker_store(config: dict[str, Any] | None) -> TrackerStore:
    """Create the tracker store of an endpoints.yml ``tracker_store`` section.

    No section (or no ``type``) means the in-memory store, as in Rasa.

    Raises:
        DataError: Unknown type or bad options.
    """
    from engine.stores.tracker.base import TrackerStore

    kind = store_type(_section(config, "tracker_store")) or "in_memory"
    return _build("tracker_store", kind, config or {}, TRACKER_STORES, TrackerStore)


def create_lock_store(config: dict[str, Any] | None) -> LockStore:
    """Create the lock store of an endpoints.yml ``lock_store`` section (default in-memory).

    Raises:
        DataError: Unknown type or bad options.
    """
    from engine.stores.lock.base import LockStore

    kind = store_type(_section(config, "lock_store")) or "in_memory"
    return _build("lock_store", kind, config or {}, LOCK_STORES, LockStore)


def create_event_broker(config: dict[str, Any] | None) -> EventBroker | None:
    """Create the broker of an endpoints.yml ``event_broker`` section, or None without one.

    As in Rasa, a section without ``type`` but with a ``url`` is a pika broker.

    Raises:
        DataError: Unknown type, a section that names no broker, or bad options.
    """
    from engine.stores.brokers.base import EventBroker

    section = _section(config, "event_broker")
    if not section:
        return None
    kind = store_type(section)
    if kind is None:
        if not section.get("url"):
            raise DataError(
                "event_broker: no 'type' given; use one of "
                f"{_valid(EVENT_BROKERS)} (a section with only a 'url' means pika)",
                file="endpoints.yml",
            )
        kind = "pika"
    return _build("event_broker", kind, section, EVENT_BROKERS, EventBroker)


def _section(config: Any, name: str) -> dict[str, Any] | None:
    if config is None:
        return None
    if not isinstance(config, dict):
        raise DataError(f"{name}: expected a mapping of options", file="endpoints.yml")
    return config


def _valid(table: dict[str, str]) -> str:
    return ", ".join(sorted(table)) + " or module.Class"


def _build(section: str, kind: str, config: dict[str, Any], table: dict[str, str], base: type) -> Any:
    if kind in table:
        module_name, _, class_name = table[kind].partition(":")
        cls = getattr(importlib.import_module(module_name), class_name)
    elif "." in kind:
        cls = _custom_class(section, kind, base)
    else:
        raise DataError(
            f"{section}: unknown type '{kind}'; valid types are {_valid(table)}",
            file="endpoints.yml",
        )
    options = {k: v for k, v in config.items() if k not in ("type", "store_type")}
    if kind == "in_memory":
        return cls()
    try:
        if hasattr(cls, "from_config"):
            return cls.from_config(options)
        return cls(**options)
    except TypeError as ex:
        raise DataError(f"{section} '{kind}': bad options: {ex}", file="endpoints.yml") from ex


def _custom_class(section: str, path: str, base: type) -> type:
    module_name, _, class_name = path.rpartition(".")
    try:
        cls = getattr(importlib.import_module(module_name), class_name)
    except (ImportError, AttributeError) as ex:
        raise DataError(
            f"{section}: cannot import '{path}' ({ex.__class__.__name__}: {ex})",
            file="endpoints.yml",
        ) from ex
    needed = [name for name, value in vars(base).items() if getattr(value, "__isabstractmethod__", False)]
    missing = [name for name in needed if not callable(getattr(cls, name, None))]
    if not isinstance(cls, type) or missing:
        raise DataError(
            f"{section}: '{path}' is not a {base.__name__} (missing {', '.join(missing) or 'a class'})",
            file="endpoints.yml",
        )
    return cls
