"""Conversations kept alive in the engine between turns.

PERF: rebuilding a tracker from its stored events costs a turn time
proportional to the conversation's length. The agent keeps the trackers of
recent conversations here, each with the store's version of the
conversation when it was kept; a tracker is reused only while the store
still reports that version (no other writer touched the conversation).
Stores that cannot tell a version (``TrackerStore.version`` is None) are
read every turn, as before.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any, Hashable

DEFAULT_CAPACITY = 512


class LiveTrackers:
    """A bounded, least-recently-used map: conversation id -> (tracker, model, version).

    Args:
        capacity: Conversations kept at most; the least recently used goes first.
    """

    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        self.capacity = capacity
        self._entries: OrderedDict[str, tuple[Any, Any, Hashable]] = OrderedDict()
        self._guard = threading.Lock()

    def take(self, conversation_id: str, model: Any, version: Hashable | None) -> Any | None:
        """Remove and return the kept tracker if it was kept for ``model`` at ``version``."""
        with self._guard:
            entry = self._entries.pop(conversation_id, None)
        if entry is None or version is None:
            return None
        tracker, kept_model, kept_version = entry
        return tracker if kept_model is model and kept_version == version else None

    def keep(self, conversation_id: str, model: Any, tracker: Any, version: Hashable | None) -> None:
        """Keep ``tracker`` as the conversation's state at store ``version`` (None: keep nothing)."""
        if version is None or self.capacity <= 0:
            return
        with self._guard:
            self._entries[conversation_id] = (tracker, model, version)
            self._entries.move_to_end(conversation_id)
            while len(self._entries) > self.capacity:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        """Forget every kept tracker (e.g. when the model changes)."""
        with self._guard:
            self._entries.clear()
