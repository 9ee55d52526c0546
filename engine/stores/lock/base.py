"""The lock store interface: per-conversation mutual exclusion."""
from __future__ import annotations

from abc import ABC, abstractmethod
from contextlib import AbstractContextManager
from typing import Protocol


class LockObserver(Protocol):
    """Told about every lock acquisition (metrics use it)."""

    def acquired(self, waited: float, contended: bool) -> None:
        """A lock was acquired after ``waited`` seconds; ``contended``: someone held or queued for it."""

    def timed_out(self, waited: float) -> None:
        """A lock wait gave up after ``waited`` seconds."""


class LockStore(ABC):
    """Serialises work on one conversation across threads (and processes).

    Contract (tests/contracts/test_lock_stores.py): one holder at a time,
    waiters served in arrival order, a wait past its deadline raises
    :class:`engine.errors.LockTimeout` and gives up its place in the queue.
    """

    name = "base"
    observer: LockObserver | None = None

    @abstractmethod
    def lock(self, conversation_id: str, *, wait: float = 60.0) -> AbstractContextManager[None]:
        """Hold the conversation's lock for the ``with`` block.

        Args:
            conversation_id: The conversation to lock.
            wait: Seconds to wait for the lock before raising
                :class:`engine.errors.LockTimeout`.
        """

    def scope(self) -> str:
        """Name what this store's locks are shared with (engines must agree on it)."""
        return f"{type(self).__module__}.{type(self).__qualname__}"

    def close(self) -> None:
        """Release connections (no-op by default)."""

    def _report_acquired(self, waited: float, contended: bool) -> None:
        observer = self.observer
        if observer is not None:
            observer.acquired(waited, contended)

    def _report_timeout(self, waited: float) -> None:
        observer = self.observer
        if observer is not None:
            observer.timed_out(waited)
