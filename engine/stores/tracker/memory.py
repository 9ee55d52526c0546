"""In-memory tracker store: the embedded default for one engine process.

Each ``append`` is kept as one orjson-encoded chunk, as the Redis and SQL
stores keep their events. PERF: stored event dicts are containers the
garbage collector walks on every full collection; with thousands of
conversations those walks took ~15% of the engine's CPU per turn, while
bytes are never walked (and take a fraction of the memory). Callers get
fresh dicts, so changing a retrieved event cannot change the store.
"""
from __future__ import annotations

import threading
from typing import Any

import orjson

from engine.stores.tracker.base import SESSION_START, TrackerStore, last_session


class _Conversation:
    """One conversation's encoded chunks and where its current session starts."""

    __slots__ = ("chunks", "session_chunk")

    def __init__(self) -> None:
        self.chunks: list[bytes] = []
        # The last chunk holding an ``action_session_start``: the current
        # session is decoded from there on.
        self.session_chunk = 0

    def add(self, events: list[dict[str, Any]]) -> None:
        if any(e.get("event") == "action" and e.get("name") == SESSION_START for e in events):
            self.session_chunk = len(self.chunks)
        self.chunks.append(orjson.dumps(events, option=orjson.OPT_SERIALIZE_NUMPY))


def _decode(chunks: list[bytes]) -> list[dict[str, Any]]:
    if len(chunks) == 1:
        return orjson.loads(chunks[0])
    return [event for chunk in chunks for event in orjson.loads(chunk)]


class InMemoryTrackerStore(TrackerStore):
    """Keeps each conversation's events as encoded chunks; lost when the process stops."""

    name = "in_memory"

    def __init__(self) -> None:
        self._conversations: dict[str, _Conversation] = {}
        # Writes per conversation since the process started (see version());
        #   kept when a conversation is forgotten, so versions never repeat.
        self._writes: dict[str, int] = {}
        self._guard = threading.Lock()

    def append(self, conversation_id: str, events: list[dict[str, Any]]) -> None:
        """Append events to the conversation."""
        if not events:
            return
        with self._guard:
            conversation = self._conversations.get(conversation_id)
            if conversation is None:
                conversation = self._conversations[conversation_id] = _Conversation()
            conversation.add(events)
            self._writes[conversation_id] = self._writes.get(conversation_id, 0) + 1

    def retrieve(self, conversation_id: str, *, all_sessions: bool = False) -> list[dict[str, Any]] | None:
        """Return a copy of the conversation's events (None if unknown)."""
        with self._guard:
            conversation = self._conversations.get(conversation_id)
            if conversation is None:
                return None
            chunks = conversation.chunks[0 if all_sessions else conversation.session_chunk:]
        # Decoded outside the lock: chunks are immutable and the slice is a copy.
        events = _decode(chunks)
        return events if all_sessions else last_session(events)

    def replace(self, conversation_id: str, events: list[dict[str, Any]]) -> None:
        """Replace the conversation's events (an empty list forgets it)."""
        with self._guard:
            if events:
                conversation = self._conversations[conversation_id] = _Conversation()
                conversation.add(events)
            else:
                self._conversations.pop(conversation_id, None)
            self._writes[conversation_id] = self._writes.get(conversation_id, 0) + 1

    def version(self, conversation_id: str) -> int | None:
        """Return how many writes the conversation has had (None if never stored)."""
        with self._guard:
            return self._writes.get(conversation_id)

    def keys(self) -> list[str]:
        """Return every conversation id."""
        with self._guard:
            return list(self._conversations)
