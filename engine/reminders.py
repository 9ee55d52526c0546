"""Reminders: intents that fire into a conversation later (``reminder`` events).

:class:`ReminderScheduler` keeps the pending reminders of every conversation
and fires each one when its time comes, on one background thread (started
with :meth:`ReminderScheduler.start`) or synchronously with
:meth:`ReminderScheduler.run_due` (tests inject a clock and call it). A
reminder is keyed by conversation and name, so scheduling the same name
again replaces it. ``cancel_reminder`` removes the conversation's reminders
matching every field it gives (name, intent, entities); with none given it
removes them all.

Unlike Rasa's in-memory job store, pending reminders can be rebuilt from
stored conversations (:func:`pending_reminders`) so they survive an engine
restart when the tracker store is persistent.
"""
from __future__ import annotations

import heapq
import itertools
import json
import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from engine.conversation.events import Event, ReminderCancelled, ReminderScheduled, UserUttered

logger = logging.getLogger(__name__)

EXTERNAL_PREFIX = "EXTERNAL: "
# The thread re-reads the clock at least this often (seconds), so a changed
# wall clock or a newly scheduled earlier reminder is never missed for long.
MAX_WAIT = 1.0


def _entity_key(entities: Any) -> str:
    """Return a comparable form of a reminder's entities (list or ``{type: value}``)."""
    if isinstance(entities, dict):
        entities = [{"entity": k, "value": v} for k, v in entities.items()]
    pairs = sorted(
        json.dumps([e.get("entity"), e.get("value")], default=str) for e in entities or [] if isinstance(e, dict)
    )
    return "|".join(pairs)


@dataclass(order=True)
class Reminder:
    """One scheduled reminder.

    Attributes:
        trigger_at: UNIX time it fires at.
        conversation_id: The conversation it fires into.
        event: The ``reminder`` event that scheduled it.
    """

    trigger_at: float
    conversation_id: str = field(compare=False)
    event: ReminderScheduled = field(compare=False)

    @property
    def name(self) -> str:
        """Return the reminder's name."""
        return self.event.name

    @classmethod
    def from_event(cls, conversation_id: str, event: ReminderScheduled) -> Reminder:
        """Build a reminder from its ``reminder`` event (naive times are local time)."""
        return cls(event.trigger_date_time.timestamp(), conversation_id, event)

    def cancelled_by(self, cancel: ReminderCancelled) -> bool:
        """Return whether ``cancel`` (of the same conversation) cancels this reminder."""
        if cancel.name and cancel.name != self.event.name:
            return False
        if cancel.intent and cancel.intent != self.event.intent:
            return False
        if cancel.entities and _entity_key(cancel.entities) != _entity_key(self.event.entities):
            return False
        return True


class ReminderScheduler:
    """Keeps pending reminders and fires them on time (see module docstring).

    Args:
        fire: Called with each due reminder (outside the scheduler's lock);
            exceptions are logged.
        clock: Time source (UNIX seconds).
    """

    def __init__(self, fire: Callable[[Reminder], None], clock: Callable[[], float] = time.time) -> None:
        self._fire = fire
        self._clock = clock
        self._jobs: dict[tuple[str, str], Reminder] = {}
        self._heap: list[tuple[float, int, tuple[str, str]]] = []
        self._counter = itertools.count()
        self._condition = threading.Condition()
        self._thread: threading.Thread | None = None
        self._stopping = False

    # -- scheduling ------------------------------------------------------------

    def schedule(self, reminder: Reminder) -> None:
        """Add ``reminder``, replacing one of the same conversation and name."""
        key = (reminder.conversation_id, reminder.name)
        with self._condition:
            self._jobs[key] = reminder
            heapq.heappush(self._heap, (reminder.trigger_at, next(self._counter), key))
            self._condition.notify_all()
        logger.debug("reminder %r of %r scheduled for %s", reminder.name, reminder.conversation_id,
                     reminder.event.trigger_date_time.isoformat())

    def cancel(self, conversation_id: str, cancel: ReminderCancelled) -> int:
        """Remove the conversation's reminders that ``cancel`` matches; return how many."""
        with self._condition:
            doomed = [
                key for key, job in self._jobs.items()
                if key[0] == conversation_id and job.cancelled_by(cancel)
            ]
            for key in doomed:
                del self._jobs[key]
        if doomed:
            logger.debug("cancelled %d reminder(s) of %r", len(doomed), conversation_id)
        return len(doomed)

    def apply_events(self, conversation_id: str, events: Iterable[Event]) -> None:
        """Schedule the ``reminder`` and apply the ``cancel_reminder`` events, in order."""
        for event in events:
            if isinstance(event, ReminderScheduled):
                self.schedule(Reminder.from_event(conversation_id, event))
            elif isinstance(event, ReminderCancelled):
                self.cancel(conversation_id, event)

    def pending(self, conversation_id: str | None = None) -> list[Reminder]:
        """Return pending reminders (of one conversation), soonest first."""
        with self._condition:
            jobs = [j for k, j in self._jobs.items() if conversation_id is None or k[0] == conversation_id]
        return sorted(jobs)

    # -- firing ------------------------------------------------------------------

    def _pop_due(self, now: float) -> list[Reminder]:
        due: list[Reminder] = []
        while self._heap and self._heap[0][0] <= now:
            trigger_at, _, key = heapq.heappop(self._heap)
            job = self._jobs.get(key)
            # Entries of replaced or cancelled jobs are skipped lazily.
            if job is not None and job.trigger_at == trigger_at:
                del self._jobs[key]
                due.append(job)
        return due

    def run_due(self) -> int:
        """Fire every reminder that is due now; return how many fired."""
        with self._condition:
            due = self._pop_due(self._clock())
        for job in due:
            try:
                self._fire(job)
            except Exception:  # one failing reminder must not stop the others
                logger.exception("reminder %r of %r failed", job.name, job.conversation_id)
        return len(due)

    def _seconds_to_next(self) -> float:
        if not self._heap:
            return MAX_WAIT
        return max(0.0, min(MAX_WAIT, self._heap[0][0] - self._clock()))

    def _loop(self) -> None:
        while True:
            with self._condition:
                if self._stopping:
                    return
                self._condition.wait(self._seconds_to_next())
                if self._stopping:
                    return
            self.run_due()

    def start(self) -> None:
        """Start the background thread that fires reminders (idempotent)."""
        with self._condition:
            if self._thread is not None:
                return
            self._stopping = False
            self._thread = threading.Thread(target=self._loop, name="reminders", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the background thread; pending reminders are kept."""
        with self._condition:
            self._stopping = True
            self._condition.notify_all()
            thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout)


def _fired_by(event: Event, job: ReminderScheduled) -> bool:
    """Return whether ``event`` is the external message a fired ``job`` produced."""
    return (
        isinstance(event, UserUttered)
        and bool(event.metadata.get("is_external"))
        and event.text == f"{EXTERNAL_PREFIX}{job.intent}"
        and event.timestamp + 1.0 >= job.trigger_date_time.timestamp()
    )


def pending_reminders(conversation_id: str, events: Iterable[Event]) -> list[Reminder]:
    """Return the reminders of a stored conversation that have neither fired nor been cancelled.

    Reminders whose ``kill_on_user_msg`` outdated them are kept here; firing
    checks that (as it does for every reminder).
    """
    pending: dict[str, ReminderScheduled] = {}
    for event in events:
        if isinstance(event, ReminderScheduled):
            pending[event.name] = event
        elif isinstance(event, ReminderCancelled):
            for name, job in list(pending.items()):
                if Reminder.from_event(conversation_id, job).cancelled_by(event):
                    del pending[name]
        elif isinstance(event, UserUttered):
            fired = next((name for name, job in pending.items() if _fired_by(event, job)), None)
            if fired is not None:
                del pending[fired]
    return sorted(Reminder.from_event(conversation_id, job) for job in pending.values())
