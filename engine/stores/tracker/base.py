"""The tracker store interface.

A tracker store keeps each conversation's events in order. It is
append-only: a turn appends its new events; nothing rewrites a stored
conversation except an explicit :meth:`TrackerStore.replace`.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

SESSION_START = "action_session_start"


class TrackerStore(ABC):
    """Stores conversation events as Rasa event dicts.

    Contract (tests/contracts/test_tracker_stores.py checks every
    implementation): events come back in append order; appending nothing
    stores nothing; a conversation exists once it has an event, so replacing
    it with no events forgets it; implementations are safe to call from
    several threads at once.
    """

    name = "base"

    @abstractmethod
    def append(self, conversation_id: str, events: list[dict[str, Any]]) -> None:
        """Append ``events`` to the conversation, creating it if needed.

        The events of one call are stored together (one transaction where the
        backend has them); nothing already stored is rewritten.
        """

    @abstractmethod
    def retrieve(self, conversation_id: str, *, all_sessions: bool = False) -> list[dict[str, Any]] | None:
        """Return the conversation's events, or None for an unknown id.

        Args:
            conversation_id: The conversation (sender) id.
            all_sessions: False returns the current session only: events
                from the last ``action_session_start`` on (Rasa 3.x).
        """

    @abstractmethod
    def replace(self, conversation_id: str, events: list[dict[str, Any]]) -> None:
        """Replace all events of the conversation (an empty list forgets it)."""

    @abstractmethod
    def keys(self) -> list[str]:
        """Return every stored conversation id."""

    def exists(self, conversation_id: str) -> bool:
        """Return whether the conversation has been stored."""
        return self.retrieve(conversation_id) is not None

    def version(self, conversation_id: str) -> Any | None:
        """Return a value that changes whenever the conversation is written, cheaply.

        The engine reuses a conversation's tracker between turns while this
        value stays the same (see engine/stores/tracker/live.py). None (the
        default) means "unknown": the conversation is read every turn.
        """
        return None

    def close(self) -> None:
        """Release connections (no-op by default)."""


def last_session(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return the events from the last ``action_session_start`` on."""
    for index in range(len(events) - 1, -1, -1):
        event = events[index]
        if event.get("event") == "action" and event.get("name") == SESSION_START:
            return events[index:]
    return events
