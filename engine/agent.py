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
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator

from engine.errors import BadRequest, Conflict, NoModelLoaded, NotFound

if TYPE_CHECKING:
    from engine.actions.endpoint import EndpointConfig
    from engine.api.conversations import TurnResult
    from engine.conversation.tracker import DialogueStateTracker
    from engine.models.loader import Model
    from engine.processor import MessageProcessor
    from engine.stores.brokers.base import EventBroker
    from engine.stores.lock.base import LockStore
    from engine.stores.tracker.base import TrackerStore
    from outbound import OutboundPolicy

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
        models_dir: Where ``POST /model/train`` keeps trained archives.
        action_endpoint: The action server running custom actions.
        nlg_endpoint: An external NLG server rendering responses.
        deliver: ``deliver(conversation_id, messages)`` sends the replies of a
            fired reminder to the user (their events are stored either way).
        outbound: Which hosts a model server URL of ``PUT /model`` may name.
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
        models_dir: str | Path = "models",
        action_endpoint: EndpointConfig | None = None,
        nlg_endpoint: EndpointConfig | None = None,
        deliver: Callable[[str, list[dict[str, Any]]], None] | None = None,
        outbound: OutboundPolicy | None = None,
    ) -> None:
        self.tracker_store = tracker_store
        self.lock_store = lock_store
        self.event_broker = event_broker
        self.clock = clock
        self.lock_wait = lock_wait
        self.models_dir = Path(models_dir)
        self._served: tuple[Model, MessageProcessor | None] | None = None
        self._training_jobs = 0
        self._jobs: dict[int, Job] = {}
        self._next_job = 0
        self._jobs_guard = threading.Lock()
        self.action_endpoint = action_endpoint
        self.nlg_endpoint = nlg_endpoint
        self.deliver = deliver
        self.outbound = outbound
        from engine.reminders import ReminderScheduler

        self.reminders = ReminderScheduler(self._fire_reminder, clock=clock)
        from engine.stores.tracker.live import LiveTrackers

        self._live = LiveTrackers()
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
                action_endpoint=self.action_endpoint,
                nlg_endpoint=self.nlg_endpoint,
            )
        self._served = (model, processor)
        self._live.clear()

    def unload(self) -> None:
        """Stop serving any model."""
        self._served = None
        self._live.clear()

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

    def dialogue_model(self) -> Model:
        """Return the loaded model if it has dialogue policies.

        Raises:
            NoModelLoaded: No model is loaded.
            Conflict: The model is NLU-only.
        """
        return self._require_core()[0]

    # -- training jobs counter ------------------------------------------------

    @property
    def num_active_training_jobs(self) -> int:
        """Training jobs running in this process."""
        return self._training_jobs

    def training_job(self, kind: str = "training") -> Job:
        """Return a context manager registering one running job.

        Training jobs are counted in ``num_active_training_jobs``; every
        job's current stage is listed by :meth:`jobs`.
        """
        with self._jobs_guard:
            self._next_job += 1
            return Job(self, self._next_job, kind, self.clock)

    def jobs(self) -> list[dict[str, Any]]:
        """Return the running jobs with their current stage, oldest first."""
        with self._jobs_guard:
            running = sorted(self._jobs.values(), key=lambda job: job.number)
        return [job.as_dict() for job in running]

    def _register(self, job: Job, running: bool) -> None:
        with self._jobs_guard:
            if running:
                self._jobs[job.number] = job
            else:
                self._jobs.pop(job.number, None)
            if job.kind == "training":
                self._training_jobs += 1 if running else -1

    def status(self) -> dict[str, Any]:
        """Return the loaded model's identity and the training job count."""
        model, _ = self._require()
        return {
            "model_file": model.path.name,
            "model_path": str(model.path),
            "model_id": model.model_id,
            "fingerprint": model.metadata.fingerprint,
            "num_active_training_jobs": self._training_jobs,
            "jobs": self.jobs(),
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
            # A tracker kept from this conversation's last turn is taken out: if
            # the turn fails, the next one reads the store again.
            tracker = self._live.take(conversation_id, model, self.tracker_store.version(conversation_id))
            if tracker is None:
                tracker = self._load_tracker(conversation_id, model)
                tracker.state_cache = {}
            before = len(tracker.events)
            messages = processor.handle_message(
                tracker,
                text,
                input_channel=input_channel,
                metadata=metadata,
                message_id=message_id,
                output_channel=output_channel or input_channel,
            )
            new_events = tracker.events[before:]
            self._save(conversation_id, [event.as_dict() for event in new_events])
            if not (before and _starts_session(new_events)):
                # A tracker read back holds the current session only; one that
                # started a new session is not what a read gives, so it is not kept.
                self._live.keep(conversation_id, model, tracker, self.tracker_store.version(conversation_id))
        self.schedule_side_effects(conversation_id, new_events)
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
        """Stop the reminder thread; release the stores' and broker's connections."""
        self.reminders.stop()
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
        # Events before the latest session only matter when they are shown.
        all_sessions = verbosity in ("ALL", "AFTER_RESTART") or until is not None
        tracker = self._load_tracker(conversation_id, model, all_sessions=all_sessions)
        if not tracker.events and processor is not None:
            processor.ensure_session(tracker)
        if until is not None:
            tracker = tracker.travel_back_in_time(until)
        return tracker.current_state(verbosity)

    def _load_tracker(self, conversation_id: str, model: Model, *, all_sessions: bool = False) -> Any:
        from engine.conversation.tracker import DialogueStateTracker

        stored = self.tracker_store.retrieve(conversation_id, all_sessions=all_sessions) or []
        return DialogueStateTracker.from_dicts(conversation_id, stored, model.domain)

    # -- HTTP API conversation endpoints ---------------------------------------

    @contextmanager
    def _conversation(
        self, conversation_id: str, model: Model, *, side_effects: bool = False
    ) -> Iterator[DialogueStateTracker]:
        """Lock and load the conversation; append what the block added to it.

        Nothing is stored when the block raises. With ``side_effects`` the
        reminder events the block added are scheduled.
        """
        with self.lock_store.lock(conversation_id, wait=self.lock_wait):
            tracker = self._load_tracker(conversation_id, model)
            before = len(tracker.events)
            yield tracker
            new_events = tracker.events[before:]
            self._save(conversation_id, [event.as_dict() for event in new_events])
        if side_effects:
            self.schedule_side_effects(conversation_id, new_events)

    def _require_stored(self, conversation_id: str) -> None:
        if not self.tracker_store.exists(conversation_id):
            raise NotFound("Conversation ID not found.", reason="Not found")

    def append_events(
        self,
        conversation_id: str,
        events: list[dict[str, Any]],
        *,
        verbosity: str = "AFTER_RESTART",
        execute_side_effects: bool = False,
        output_channel: str | None = None,
    ) -> TurnResult:
        """Append validated event dicts (``POST .../tracker/events``).

        A new conversation gets the session-start events first, unless the
        events start a session themselves. With ``execute_side_effects`` the
        bot messages of ``bot`` events are returned for delivery and
        reminder events go to the reminder scheduler.
        """
        from engine.api import conversations as conv
        from engine.api.event_validation import parse_checked

        model, processor = self._require_core()
        parsed = parse_checked(events, self.clock())
        if not parsed:
            raise BadRequest("The request body holds no events.", details={"parameter": "", "in": "body"})
        conv.stamp_model(parsed, model.model_id, model.metadata.assistant_id)
        with self._conversation(conversation_id, model) as tracker:
            if not tracker.events and not conv.starts_session(parsed):
                processor.ensure_session(tracker)
            for event in parsed:
                tracker.update(event)
            channel = conv.resolve_output_channel(output_channel, tracker)
            state = tracker.current_state(verbosity)
        result = conv.TurnResult(state, [], channel, tracker.latest_input_channel)
        if execute_side_effects:
            result.messages = conv.bot_messages(parsed)
            self.schedule_side_effects(conversation_id, parsed)
        return result

    def replace_events(
        self, conversation_id: str, events: list[dict[str, Any]], *, verbosity: str = "AFTER_RESTART"
    ) -> dict[str, Any]:
        """Replace every event of the conversation (``PUT .../tracker/events``)."""
        from engine.api.event_validation import parse_checked
        from engine.conversation.tracker import DialogueStateTracker

        model, _ = self._require()
        parsed = parse_checked(events, self.clock())
        tracker = DialogueStateTracker.from_events(conversation_id, parsed, model.domain.slots)
        state = tracker.current_state(verbosity)
        with self.lock_store.lock(conversation_id, wait=self.lock_wait):
            self.tracker_store.replace(conversation_id, [event.as_dict() for event in parsed])
        return state

    def story(self, conversation_id: str, *, all_sessions: bool = False, until: float | None = None) -> str:
        """Return the stored conversation as YAML test stories."""
        from engine.api.story_writer import conversation_story
        from engine.conversation.events import events_from_dicts

        self._require()
        stored = self.tracker_store.retrieve(conversation_id, all_sessions=True)
        if stored is None:
            raise NotFound("Conversation ID not found.", reason="Not found")
        return conversation_story(
            conversation_id, events_from_dicts(stored), all_sessions=all_sessions, until=until
        )

    def execute_action(
        self,
        conversation_id: str,
        action_name: str,
        *,
        policy: str | None = None,
        confidence: float | None = None,
        verbosity: str = "AFTER_RESTART",
        output_channel: str | None = None,
    ) -> TurnResult:
        """Run one named action in a stored conversation, predicting nothing after it."""
        from engine.actions.base import ActionNotFound
        from engine.actions.builtin import action_for_name
        from engine.api import conversations as conv
        from engine.errors import EngineError

        model, processor = self._require_core()
        self._require_stored(conversation_id)
        try:
            action_for_name(action_name, model.domain, processor.custom_action)
        except ActionNotFound:
            raise
        except EngineError:
            pass  # known but not runnable here: logged like Rasa when it runs
        with self._conversation(conversation_id, model, side_effects=True) as tracker:
            channel = conv.resolve_output_channel(output_channel, tracker)
            messages = processor.execute_action(
                tracker, action_name, policy=policy, confidence=confidence, output_channel=channel
            )
            state = tracker.current_state(verbosity)
        return conv.TurnResult(state, messages, channel, tracker.latest_input_channel)

    def trigger_intent(
        self,
        conversation_id: str,
        intent: str,
        entities: Any = None,
        *,
        verbosity: str = "AFTER_RESTART",
        output_channel: str | None = None,
    ) -> TurnResult:
        """Inject an intent as an external message, then predict and act."""
        from engine.api import conversations as conv

        model, processor = self._require_core()
        entity_list = conv.entities_list(entities)
        with self._conversation(conversation_id, model, side_effects=True) as tracker:
            channel = conv.resolve_output_channel(output_channel, tracker)
            messages = processor.trigger_intent(tracker, intent, entity_list, output_channel=channel)
            state = tracker.current_state(verbosity)
        return conv.TurnResult(state, messages, channel, tracker.latest_input_channel)

    def predict(self, conversation_id: str, *, verbosity: str = "AFTER_RESTART") -> dict[str, Any]:
        """Predict a stored conversation's next action; the session is refreshed and saved."""
        from engine.api.conversations import prediction_document

        model, processor = self._require_core()
        self._require_stored(conversation_id)
        with self._conversation(conversation_id, model) as tracker:
            processor.ensure_session(tracker)
            prediction = processor.predict_next(tracker)
            state = tracker.current_state(verbosity)
        return prediction_document(prediction, state, model.domain, sort=True)

    def add_message(
        self,
        conversation_id: str,
        text: str,
        *,
        parse_data: dict[str, Any] | None = None,
        verbosity: str = "AFTER_RESTART",
        input_channel: str | None = None,
        message_id: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Log a user message and the slots it fills, predicting nothing."""
        from engine.api.conversations import log_user_message

        model, processor = self._require_core()
        with self._conversation(conversation_id, model) as tracker:
            processor.ensure_session(tracker, metadata)
            log_user_message(
                tracker, model, text, parse_data=parse_data, input_channel=input_channel,
                message_id=message_id, metadata=metadata, now=self.clock(),
            )
            return tracker.current_state(verbosity)

    def predict_from_events(
        self, events: list[dict[str, Any]], *, verbosity: str = "AFTER_RESTART"
    ) -> dict[str, Any]:
        """Predict the next action for events on a throw-away tracker (sender ``default``)."""
        from engine.api.conversations import prediction_document
        from engine.api.event_validation import parse_checked
        from engine.conversation.tracker import DialogueStateTracker

        model, processor = self._require_core()
        parsed = parse_checked(events, self.clock())
        tracker = DialogueStateTracker.from_events("default", parsed, model.domain.slots)
        prediction = processor.predict_next(tracker)
        return prediction_document(prediction, tracker.current_state(verbosity), model.domain, sort=False)

    def domain(self) -> dict[str, Any]:
        """Return the loaded model's domain as Rasa's ``GET /domain`` JSON."""
        model, _ = self._require()
        return model.domain.as_dict()

    # -- reminders -----------------------------------------------------------------

    def schedule_side_effects(self, conversation_id: str, events: list[Any]) -> None:
        """Schedule the ``reminder`` and apply the ``cancel_reminder`` events (objects or dicts)."""
        from engine.conversation.events import Event, ReminderCancelled, ReminderScheduled, event_from_dict

        wanted = []
        for event in events:
            if isinstance(event, dict):
                if event.get("event") not in ("reminder", "cancel_reminder"):
                    continue
                event = event_from_dict(event)
            if isinstance(event, (ReminderScheduled, ReminderCancelled)) and isinstance(event, Event):
                wanted.append(event)
        if wanted:
            self.reminders.apply_events(conversation_id, wanted)

    def _fire_reminder(self, reminder: Any) -> None:
        """Fire one due reminder through the normal unit of work, then deliver its replies."""
        served = self._served
        if served is None or served[1] is None:
            logger.warning("reminder %r of %r dropped: no dialogue model is loaded",
                           reminder.name, reminder.conversation_id)
            return
        model, processor = served
        conversation_id = reminder.conversation_id
        with self.lock_store.lock(conversation_id, wait=self.lock_wait):
            tracker = self._load_tracker(conversation_id, model)
            before = len(tracker.events)
            try:
                messages = processor.handle_reminder(
                    tracker, reminder.event, output_channel=tracker.latest_input_channel
                )
            except NotFound as ex:
                logger.error("reminder %r of %r dropped: %s", reminder.name, conversation_id, ex.message)
                return
            new_events = tracker.events[before:]
            self._save(conversation_id, [event.as_dict() for event in new_events])
        self.schedule_side_effects(conversation_id, new_events)
        if messages is None:
            return
        logger.info("reminder %r fired into %r (%d message(s))", reminder.name, conversation_id, len(messages))
        if self.deliver is not None and messages:
            self.deliver(conversation_id, messages)

    def restore_reminders(self) -> int:
        """Reschedule the reminders stored conversations still hold; return how many.

        With a persistent tracker store this makes reminders survive a
        restart; reminders that fired or were cancelled are not rescheduled.
        """
        from engine.conversation.events import events_from_dicts
        from engine.reminders import pending_reminders

        restored = 0
        for conversation_id in self.tracker_store.keys():
            stored = self.tracker_store.retrieve(conversation_id, all_sessions=True) or []
            if not any(e.get("event") == "reminder" for e in stored if isinstance(e, dict)):
                continue
            try:
                events = events_from_dicts(stored)
            except Exception as ex:  # one broken conversation must not stop the others
                logger.warning("reminders of %r not restored: %s", conversation_id, ex)
                continue
            for reminder in pending_reminders(conversation_id, events):
                self.reminders.schedule(reminder)
                restored += 1
        if restored:
            logger.info("restored %d pending reminder(s)", restored)
        return restored

    def start_reminders(self) -> None:
        """Restore stored reminders and start firing them on a background thread."""
        try:
            self.restore_reminders()
        except Exception:  # a store outage must not stop the engine from starting
            logger.exception("could not restore reminders from the tracker store")
        self.reminders.start()


def _starts_session(events: list[Any]) -> bool:
    """Return whether ``events`` hold an ``action_session_start`` action."""
    from engine.conversation.constants import ACTION_SESSION_START
    from engine.conversation.events import ActionExecuted

    return any(isinstance(e, ActionExecuted) and e.action_name == ACTION_SESSION_START for e in events)


class Job:
    """One running training or evaluation job; ``with`` registers it.

    Attributes:
        number: Job number, unique in this process.
        kind: ``"training"`` or ``"evaluation"``.
        stage: The stage the job is in, as its progress reports it.
    """

    def __init__(self, agent: Agent, number: int, kind: str, clock: Callable[[], float]) -> None:
        self._agent = agent
        self.number = number
        self.kind = kind
        self.stage = "starting"
        self._clock = clock
        self.started_at = clock()

    def report(self, stage: str) -> None:
        """Record the job's current stage (a progress callback)."""
        self.stage = stage.strip()

    def as_dict(self) -> dict[str, Any]:
        """Return the job as shown in ``/status``."""
        return {
            "id": self.number,
            "kind": self.kind,
            "stage": self.stage,
            "started_at": self.started_at,
            "elapsed": round(self._clock() - self.started_at, 3),
        }

    def __enter__(self) -> Job:
        self._agent._register(self, True)
        return self

    def __exit__(self, *exc: object) -> None:
        self._agent._register(self, False)
