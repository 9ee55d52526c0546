"""In-memory tracker store: the embedded default for one engine process."""
from __future__ import annotations

import threading
from typing import Any

from engine.stores.tracker.base import TrackerStore, last_session


class InMemoryTrackerStore(TrackerStore):
    """Keeps events in a dict of lists; lost when the process stops."""

    name = "in_memory"

    def __init__(self) -> None:
        self._events: dict[str, list[dict[str, Any]]] = {}
        # Writes per conversation since the process started (see version()).
        self._writes: dict[str, int] = {}
        self._guard = threading.Lock()

    def append(self, conversation_id: str, events: list[dict[str, Any]]) -> None:
        """Append events to the conversation."""
        if not events:
            return
        with self._guard:
            self._events.setdefault(conversation_id, []).extend(events)
            self._writes[conversation_id] = self._writes.get(conversation_id, 0) + 1

    def retrieve(self, conversation_id: str, *, all_sessions: bool = False) -> list[dict[str, Any]] | None:
        """Return a copy of the conversation's events (None if unknown)."""
        with self._guard:
            stored = self._events.get(conversation_id)
            if stored is None:
                return None
            return list(stored) if all_sessions else list(last_session(stored))

    def replace(self, conversation_id: str, events: list[dict[str, Any]]) -> None:
        """Replace the conversation's events (an empty list forgets it)."""
        with self._guard:
            if events:
                self._events[conversation_id] = list(events)
            else:
                self._events.pop(conversation_id, None)
            self._writes[conversation_id] = self._writes.get(conversation_id, 0) + 1

    def version(self, conversation_id: str) -> int | None:
        """Return how many writes the conversation has had (None if never stored)."""
        with self._guard:
            return self._writes.get(conversation_id)

    def keys(self) -> list[str]:
        """Return every conversation id."""
        with self._guard:
            return list(self._events)
