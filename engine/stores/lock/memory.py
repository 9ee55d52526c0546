"""In-process lock store: FIFO per conversation, for one engine process."""
from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from engine.errors import LockTimeout
from engine.stores.lock.base import LockStore


class _Entry:
    __slots__ = ("abandoned", "condition", "next_ticket", "serving", "users")

    def __init__(self) -> None:
        # Made by the first waiter (PERF: most turns never wait; a Condition
        #   costs more than the rest of an uncontended acquire).
        self.condition: threading.Condition | None = None
        self.next_ticket = 0
        self.serving = 0
        self.users = 0
        self.abandoned: set[int] = set()


class InMemoryLockStore(LockStore):
    """Ticket lock per conversation: waiters are served in arrival order.

    Entries are dropped when nobody holds or waits for them, so memory does
    not grow with the number of conversations ever seen.
    """

    name = "in_memory"

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._entries: dict[str, _Entry] = {}

    @contextmanager
    def lock(self, conversation_id: str, *, wait: float = 60.0) -> Iterator[None]:
        """Hold the conversation's lock, waiting at most ``wait`` seconds."""
        started = time.monotonic()
        with self._guard:
            entry = self._entries.get(conversation_id)
            if entry is None:
                entry = self._entries[conversation_id] = _Entry()
            entry.users += 1
            ticket = entry.next_ticket
            entry.next_ticket += 1
            contended = entry.serving != ticket
            if contended:
                condition = entry.condition
                if condition is None:
                    condition = entry.condition = threading.Condition(self._guard)
                if not condition.wait_for(lambda: entry.serving == ticket, timeout=wait):
                    # Give up our place: skip our ticket when it comes up.
                    self._abandon(conversation_id, entry, ticket)
                    self._report_timeout(time.monotonic() - started)
                    raise LockTimeout(
                        f"Timed out after {wait:g} s waiting for the lock of conversation "
                        f"'{conversation_id}'."
                    )
        self._report_acquired(time.monotonic() - started, contended)
        try:
            yield
        finally:
            with self._guard:
                self._advance(conversation_id, entry)

    def scope(self) -> str:
        """This process only: no other engine shares these locks."""
        return f"in_memory:{socket.gethostname()}:{os.getpid()}"

    def _advance(self, conversation_id: str, entry: _Entry) -> None:
        entry.serving += 1
        self._skip_abandoned(entry)
        entry.users -= 1
        if entry.users == 0:
            del self._entries[conversation_id]
        elif entry.condition is not None:
            entry.condition.notify_all()

    @staticmethod
    def _skip_abandoned(entry: _Entry) -> None:
        while entry.serving in entry.abandoned:
            entry.abandoned.discard(entry.serving)
            entry.serving += 1

    def _abandon(self, conversation_id: str, entry: _Entry, ticket: int) -> None:
        entry.users -= 1
        entry.abandoned.add(ticket)
        self._skip_abandoned(entry)
        if entry.users == 0:
            del self._entries[conversation_id]
        elif entry.condition is not None:
            entry.condition.notify_all()
