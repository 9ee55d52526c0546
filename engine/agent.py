"""The agent: the current model plus the stores, and every conversation call.

Every call that changes a conversation runs as one unit of work:
lock -> load tracker -> process -> append the new events -> unlock.
The model is swapped by replacing one reference, so a call sees the old or
the new model, never a half-loaded one.
"""
from __future__ import annotations

import logging
import threading
import time
from typing import TYPE_CHECKING, Any, Callable

from engine.errors import BadRequest, Conflict, NoModelLoaded

if TYPE_CHECKING:
    from engine.models.loader import Model
    from engine.processor import MessageProcessor
    from engine.stores.brokers.base import EventBroker
    from engine.stores.lock.base import LockStore
    from engine.stores.tracker.base import TrackerStore

logger = logging.getLogger(__name__)

VERBOSITIES = ("NONE", "APPLIED", "AFTER_RESTART", "ALL")


class Agent:
    """Serves conversations with the loaded model.

    Args:
        tracker_store: Where conversations are kept.
        lock_store: Per-conversation locks.
        event_broker: Receives every stored event, in order, if configured.
        model: The model to serve, if one is loaded at start.
        clock: Time source for events (injected for tests).
        lock_wait: Seconds to wait for a conversation's lock.
    """

    def __init__(
        self,
        tracker_store: TrackerStore,
        lock_store: LockStore,
        *,
        event_broker: EventBroker | None = None,
        model: Model | None = None,
        clock: Callable[[], float] = time.time,
        lock_wait: float = 60.0,
    ) -> None:
        self.tracker_store = tracker_store
        self.lock_store = lock_store
        self.event_broker = event_broker
        self.clock = clock
        self.lock_wait = lock_wait
        self._served: tuple[Model, MessageProcessor | None] | None = None
        self._training_jobs = 0
        self._jobs_guard = threading.Lock()
        if model is not None:
            self.set_model(model)

    # -- model -------------------------------------------------------------

    @property
    def model(self) -> Model | None:
        """The model being served, or None."""
        served = self._served
        return served[0] if served else None

    def set_model(self, model: Model) -> None:
        """Serve ``model`` from now on (atomic swap)."""
        processor = None
        if model.policies is not None:
            from engine.processor import MessageProcessor

            processor = MessageProcessor(
                model.domain,
                model.policies,
                model.parse,
                model.model_id,
                clock=self.clock,
                assistant_id=model.metadata.assistant_id,
            )
        self._served = (model, processor)

    def unload(self) -> None:
        """Stop serving any model."""
        self._served = None

    def _require(self) -> tuple[Model, MessageProcessor | None]:
        served = self._served
        if served is None:
            raise NoModelLoaded()
        return served

    def _require_core(self) -> tuple[Model, MessageProcessor]:
        model, processor = self._require()
        if processor is None:
            raise Conflict(
                "The loaded model is an NLU-only model: it has no dialogue policies to handle "
                "conversations. Train a model with stories or rules."
            )
        return model, processor

    # -- training jobs counter ------------------------------------------------

    @property
    def num_active_training_jobs(self) -> int:
        """Training jobs running in this process."""
        return self._training_jobs

    def training_job(self) -> _TrainingJob:
        """Return a context manager counting one running training job."""
        return _TrainingJob(self)

    def _count_job(self, delta: int) -> None:
        with self._jobs_guard:
            self._training_jobs += delta

    # -- calls -------------------------------------------------------------

    def status(self) -> dict[str, Any]:
        """Return the loaded model's identity and the training job count."""
        model, _ = self._require()
        return {
            "model_file": model.path.name,
            "model_path": str(model.path),
            "model_id": model.model_id,
            "fingerprint": model.metadata.fingerprint,
            "num_active_training_jobs": self._training_jobs,
        }

    def parse(self, text: str, message_id: str | None = None) -> dict[str, Any]:
        """Parse ``text`` with the loaded model."""
        model, _ = self._require()
        return model.parse(text, message_id)

    def handle_message(
        self,
        conversation_id: str,
        text: str,
        *,
        input_channel: str = "rest",
        metadata: dict[str, Any] | None = None,
        message_id: str | None = None,
        output_channel: str | None = None,
    ) -> list[dict[str, Any]]:
        """Process one user message and return the bot's messages."""
        model, processor = self._require_core()
        with self.lock_store.lock(conversation_id, wait=self.lock_wait):
            tracker = self._load_tracker(conversation_id, model)
            before = len(tracker.events)
            messages = processor.handle_message(
                tracker,
                text,
                input_channel=input_channel,
                metadata=metadata,
                message_id=message_id,
                output_channel=output_channel or input_channel,
            )
            self._save(conversation_id, [event.as_dict() for event in tracker.events[before:]])
        return messages

    def _save(self, conversation_id: str, new_events: list[dict[str, Any]]) -> None:
        """Append a turn's events, then publish them (call under the lock)."""
        if not new_events:
            return
        self.tracker_store.append(conversation_id, new_events)
        if self.event_broker is not None:
            from engine.stores.brokers.base import broker_event

            for event in new_events:
                self.event_broker.publish(broker_event(conversation_id, event))

    def close(self) -> None:
        """Release the stores' and broker's connections."""
        if self.event_broker is not None:
            self.event_broker.close()
        self.tracker_store.close()
        self.lock_store.close()

    def get_tracker(
        self, conversation_id: str, verbosity: str = "AFTER_RESTART", until: float | None = None
    ) -> dict[str, Any]:
        """Return the conversation's tracker JSON.

        An unknown conversation gets a fresh tracker that starts a session,
        which is shown but not stored (as Rasa does).
        """
        if verbosity not in VERBOSITIES:
            raise BadRequest(
                f"Invalid parameter value for 'include_events'. Should be one of {', '.join(VERBOSITIES)}",
                details={"parameter": "include_events", "in": "query"},
            )
        model, processor = self._require()
        tracker = self._load_tracker(conversation_id, model)
        if not tracker.events and processor is not None:
            processor.ensure_session(tracker)
        if until is not None:
            tracker = tracker.travel_back_in_time(until)
        return tracker.current_state(verbosity)

    def _load_tracker(self, conversation_id: str, model: Model) -> Any:
        from engine.conversation.tracker import DialogueStateTracker

        stored = self.tracker_store.retrieve(conversation_id) or []
        return DialogueStateTracker.from_dicts(conversation_id, stored, model.domain)


class _TrainingJob:
    """Counts one running training job while the ``with`` block runs."""

    def __init__(self, agent: Agent) -> None:
        self._agent = agent

    def __enter__(self) -> None:
        self._agent._count_job(1)

    def __exit__(self, *exc: object) -> None:
        self._agent._count_job(-1)
