"""The lock store interface: per-conversation mutual exclusion."""
from __future__ import annotations

from abc import ABC, abstractmethod
from contextlib import AbstractContextManager


class LockStore(ABC):
    """Serialises work on one conversation across threads (and processes).

    Contract (tests/contracts/test_lock_stores.py): one holder at a time,
    waiters served in arrival order, a wait past its deadline raises
    :class:`engine.errors.LockTimeout` and gives up its place in the queue.
    """

    name = "base"

    @abstractmethod
    def lock(self, conversation_id: str, *, wait: float = 60.0) -> AbstractContextManager[None]:
        """Hold the conversation's lock for the ``with`` block.

        Args:
            conversation_id: The conversation to lock.
            wait: Seconds to wait for the lock before raising
                :class:`engine.errors.LockTimeout`.
        """

    def close(self) -> None:
        """Release connections (no-op by default)."""
