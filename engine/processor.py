"""One conversation turn: session check, parse, slots, then predict and act.

:class:`MessageProcessor` mutates the tracker it is given by appending
events, so the caller persists ``tracker.events[n_before:]``. Every event it
appends carries ``metadata.model_id`` and a server timestamp. It returns the
bot messages sent, as dicts of the output-channel keys (``text``,
``buttons``, ``image``, ``attachment``, ``custom``, ``elements``,
``quick_replies``; null ones left out) for the gateway's channels.
"""
from __future__ import annotations

import logging
import random
import time
import uuid
from typing import TYPE_CHECKING, Any, Callable

from engine.actions.base import Action, ActionExecutionRejection, ResponseGenerator
from engine.actions.builtin import SessionStartAction, action_for_name
from engine.actions.responses import TemplatedResponseGenerator, channel_message
from engine.actions.slot_extraction import ExtractSlotsAction
from engine.conversation import constants as c
from engine.conversation.domain import Domain
from engine.conversation.events import (
    ActionExecuted,
    ActionExecutionRejected,
    BotUttered,
    Event,
    ReminderScheduled,
    UserUttered,
)
from engine.conversation.tracker import DialogueStateTracker
from engine.dialogue.ensemble import PolicyEnsemble, Prediction
from engine.errors import Conflict, EngineError, NotFound

if TYPE_CHECKING:
    from engine.actions.endpoint import EndpointConfig

logger = logging.getLogger(__name__)

FOLLOWUP_POLICY = "followup_action"
EXTERNAL_PREFIX = "EXTERNAL: "
ParseFn = Callable[[str, "str | None"], dict[str, Any]]


class _FailingAction(Action):
    """Stands in for an action that cannot be resolved; running it fails."""

    def __init__(self, name: str, error: EngineError) -> None:
        self.name = name
        self.error = error

    def run(self, tracker: Any, domain: Any, nlg: Any, output_channel: Any) -> list[Event]:
        """Raise the resolution error."""
        raise self.error


class MessageProcessor:
    """Handles messages for one loaded model.

    Args:
        domain: The model's domain.
        policies: The trained ensemble; None for an NLU-only model.
        parse: ``parse(text, message_id) -> parse result`` (NLU).
        model_id: Stamped into every appended event's metadata.
        clock: Time source for timestamps and session expiry.
        max_predictions: Circuit breaker: actions per user turn.
        rng: Random source for response variations.
        custom_action: Factory for custom actions; by default they run on
            ``action_endpoint``.
        assistant_id: Also stamped into event metadata when given (3.5+).
        action_endpoint: The action server (``action_endpoint`` of endpoints.yml).
        nlg_endpoint: An external NLG server (``nlg`` of endpoints.yml);
            None renders the domain's responses.
    """

    def __init__(
        self,
        domain: Domain,
        policies: PolicyEnsemble | None,
        parse: ParseFn,
        model_id: str,
        *,
        clock: Callable[[], float] = time.time,
        max_predictions: int = 10,
        rng: random.Random | None = None,
        custom_action: Callable[[str], Action] | None = None,
        assistant_id: str | None = None,
        action_endpoint: EndpointConfig | None = None,
        nlg_endpoint: EndpointConfig | None = None,
    ) -> None:
        self.domain = domain
        self.policies = policies
        self.parse = parse
        self.model_id = model_id
        self.clock = clock
        self.max_predictions = max_predictions
        self.nlg: ResponseGenerator = TemplatedResponseGenerator(domain.responses, rng)
        if nlg_endpoint is not None:
            from engine.actions.nlg_endpoint import CallbackResponseGenerator

            self.nlg = CallbackResponseGenerator(nlg_endpoint)
        if custom_action is None:
            from engine.actions.remote import ActionServer, RemoteAction

            server = ActionServer(action_endpoint, domain)
            custom_action = lambda name: RemoteAction(name, server)  # noqa: E731
        self.custom_action = custom_action
        self.assistant_id = assistant_id

    # -- public API --------------------------------------------------------

    def handle_message(
        self,
        tracker: DialogueStateTracker,
        text: str,
        *,
        input_channel: str = "rest",
        metadata: dict[str, Any] | None = None,
        message_id: str | None = None,
        output_channel: str | None = None,
    ) -> list[dict[str, Any]]:
        """Process one user message and return the bot messages sent.

        Raises:
            Conflict: The model has no dialogue policies (NLU-only).
        """
        self._require_policies()
        messages: list[dict[str, Any]] = []
        self._ensure_session(tracker, metadata, output_channel, messages)
        message_id = message_id or uuid.uuid4().hex
        result = self.parse(text, message_id) or {}
        parse_data = {
            k: v for k, v in result.items() if not (k in ("message_id", "metadata") and v is None)
        }
        user = UserUttered(text, parse_data, input_channel, message_id, metadata=dict(metadata or {}))
        self._append(tracker, [user])
        self._extract_slots(tracker, output_channel, messages)
        self._predict_and_act(tracker, output_channel, messages)
        return messages

    def ensure_session(self, tracker: DialogueStateTracker, metadata: dict[str, Any] | None = None) -> None:
        """Run ``action_session_start`` if the tracker is empty or its session expired."""
        self._ensure_session(tracker, metadata, None, [])

    def trigger_intent(
        self,
        tracker: DialogueStateTracker,
        intent: str,
        entities: list[dict[str, Any]] | dict[str, Any] | None = None,
        *,
        output_channel: str | None = None,
    ) -> list[dict[str, Any]]:
        """Inject an external intent (``EXTERNAL: <intent>``) and act on it.

        Raises:
            NotFound: The intent is not in the domain.
            Conflict: The model has no dialogue policies.
        """
        self._require_policies()
        if intent not in self.domain.intent_properties:
            raise NotFound(f"The intent '{intent}' does not exist in the domain.")
        if isinstance(entities, dict):
            entities = [{"entity": k, "value": v} for k, v in entities.items()]
        messages: list[dict[str, Any]] = []
        self._ensure_session(tracker, None, output_channel, messages)
        text = f"{EXTERNAL_PREFIX}{intent}"
        parse = {"intent": {"name": intent}, "entities": list(entities or [])}
        user = UserUttered(text, parse, None, None, metadata={"is_external": True})
        user.use_text_for_featurization = False
        self._append(tracker, [user])
        self._extract_slots(tracker, output_channel, messages)
        self._predict_and_act(tracker, output_channel, messages)
        return messages

    def handle_reminder(
        self, tracker: DialogueStateTracker, reminder: ReminderScheduled, *, output_channel: str | None = None
    ) -> list[dict[str, Any]] | None:
        """Fire ``reminder``: trigger its intent unless it is outdated.

        A reminder is outdated when the conversation no longer holds it in
        its applied events (restart, new session) or, with
        ``kill_on_user_msg``, when the user spoke after it was set.

        Returns:
            The bot messages, or None when the reminder was dropped.
        """
        self._require_policies()
        self._ensure_session(tracker, None, output_channel, [])
        if reminder.kill_on_user_message and _user_spoke_after(tracker, reminder.name):
            logger.debug("reminder %r of %r dropped: the user spoke after it was set", reminder.name, tracker.sender_id)
            return None
        if not _reminder_is_applied(tracker, reminder.name):
            logger.debug("reminder %r of %r dropped: no longer in the conversation", reminder.name, tracker.sender_id)
            return None
        return self.trigger_intent(tracker, reminder.intent, reminder.entities, output_channel=output_channel)

    def execute_action(
        self,
        tracker: DialogueStateTracker,
        action_name: str,
        *,
        policy: str | None = None,
        confidence: float | None = None,
        output_channel: str | None = None,
    ) -> list[dict[str, Any]]:
        """Run one named action (no prediction loop) and return the messages."""
        messages: list[dict[str, Any]] = []
        self._ensure_session(tracker, None, output_channel, messages)
        prediction = Prediction(action_name, policy, confidence or 0.0)
        self._run_action(tracker, self._action(action_name), prediction, output_channel, messages)
        return messages

    def predict_next(self, tracker: DialogueStateTracker) -> Prediction:
        """Return the next action prediction without changing the tracker.

        Raises:
            Conflict: The model has no dialogue policies.
        """
        self._require_policies()
        followup = tracker.followup_action
        if followup and self.domain.index_for_action(followup) is not None:
            return Prediction(followup, FOLLOWUP_POLICY, 1.0)
        return self.policies.predict(tracker, self.domain)  # type: ignore[union-attr]

    # -- the loop ----------------------------------------------------------

    def _require_policies(self) -> None:
        if self.policies is None:
            raise Conflict(
                "This model has no dialogue policies (NLU-only model): it can parse "
                "messages but cannot hold conversations. Train a model with stories or rules.",
                reason="Conflict",
            )

    def _ensure_session(
        self,
        tracker: DialogueStateTracker,
        metadata: dict[str, Any] | None,
        output_channel: str | None,
        messages: list[dict[str, Any]],
    ) -> None:
        if tracker.applied_events() and not self._session_expired(tracker):
            return
        prediction = Prediction(c.ACTION_SESSION_START, None, 1.0)
        self._run_action(tracker, SessionStartAction(metadata), prediction, output_channel, messages)

    def _session_expired(self, tracker: DialogueStateTracker) -> bool:
        minutes = self.domain.session_expiration_time
        if minutes <= 0:
            return False
        last_user = tracker.get_last_event_for(UserUttered)
        if last_user is None:
            return False
        return (self.clock() - last_user.timestamp) / 60.0 > minutes

    def _should_handle(self, tracker: DialogueStateTracker) -> bool:
        return not tracker.is_paused() or tracker.latest_message.intent_name == c.INTENT_RESTART

    def _actions_since_listen(self, tracker: DialogueStateTracker) -> int:
        count = 0
        for event in reversed(tracker.events):
            if isinstance(event, ActionExecuted):
                if event.action_name in (c.ACTION_LISTEN, c.ACTION_SESSION_START):
                    break
                count += 1
        return count

    def _predict_and_act(
        self, tracker: DialogueStateTracker, output_channel: str | None, messages: list[dict[str, Any]]
    ) -> None:
        should_predict = True
        while should_predict and self._should_handle(tracker):
            if self._actions_since_listen(tracker) >= self.max_predictions:
                logger.warning(
                    "circuit breaker tripped: stopped predicting for %r after %d actions",
                    tracker.sender_id,
                    self.max_predictions,
                )
                break
            prediction = self._next_prediction(tracker)
            action = self._action(prediction.action)
            should_predict = self._run_action(tracker, action, prediction, output_channel, messages)

    def _next_prediction(self, tracker: DialogueStateTracker) -> Prediction:
        followup = tracker.followup_action
        if followup:
            # Consumed without an event, as Rasa does.
            tracker.followup_action = None
            if self.domain.index_for_action(followup) is not None:
                return Prediction(followup, FOLLOWUP_POLICY, 1.0)
            logger.error("unknown follow-up action %r ignored", followup)
        return self.policies.predict(tracker, self.domain)  # type: ignore[union-attr]

    def _action(self, name: str) -> Action:
        try:
            return action_for_name(name, self.domain, self.custom_action)
        except EngineError as ex:
            return _FailingAction(name, ex)

    def _run_action(
        self,
        tracker: DialogueStateTracker,
        action: Action,
        prediction: Prediction,
        output_channel: str | None,
        messages: list[dict[str, Any]],
    ) -> bool:
        """Run ``action`` and log it; return whether to predict another action."""
        scratch = tracker.copy()
        scratch.update_with_events(prediction.events, now=self.clock())
        try:
            events = list(action.run(scratch, self.domain, self.nlg, output_channel) or [])
        except ActionExecutionRejection:
            rejected = ActionExecutionRejected(action.name, prediction.policy, prediction.confidence)
            self._append(tracker, [rejected])
            return self._continues(action.name)
        except EngineError as ex:
            # E.g. a custom action with no action server: logged like Rasa, no events.
            logger.error("action %r failed: %s", action.name, ex.message)
            events = []
        except Exception:  # action boundary: a failing action must not end the turn
            logger.exception("action %r failed", action.name)
            events = []
        if not any(isinstance(e, ActionExecutionRejected) for e in events):
            self._append(tracker, prediction.events)
            executed = action.event_for_successful_execution(
                prediction.policy, prediction.confidence, prediction.hide_rule_turn
            )
            self._append(tracker, [executed])
        self._append(tracker, events)
        messages.extend(channel_message(e) for e in events if isinstance(e, BotUttered))
        if any(isinstance(e, UserUttered) for e in events):
            self._extract_slots(tracker, output_channel, messages)
        return self._continues(action.name)

    def _extract_slots(
        self, tracker: DialogueStateTracker, output_channel: str | None, messages: list[dict[str, Any]]
    ) -> None:
        """Run ``action_extract_slots`` without logging an ``action`` event (as Rasa does)."""
        extractor = ExtractSlotsAction(self._action)
        try:
            events = extractor.run(tracker, self.domain, self.nlg, output_channel)
        except Exception:  # slot filling must not lose the user's message
            logger.exception("slot extraction failed for %r", tracker.sender_id)
            return
        self._append(tracker, events)
        messages.extend(channel_message(e) for e in events if isinstance(e, BotUttered))

    @staticmethod
    def _continues(action_name: str) -> bool:
        return action_name not in (c.ACTION_LISTEN, c.ACTION_SESSION_START)

    def _append(self, tracker: DialogueStateTracker, events: list[Event]) -> None:
        """Stamp (time, model id) and append events."""
        for event in events:
            event.timestamp = self.clock()
            stamps = {"model_id": self.model_id}
            if self.assistant_id:
                stamps["assistant_id"] = self.assistant_id
            event.metadata = {**event.metadata, **stamps}
            tracker.update(event)


def _user_spoke_after(tracker: DialogueStateTracker, reminder_name: str) -> bool:
    """Return whether a user message with text follows the reminder's event."""
    for event in reversed(tracker.events):
        if isinstance(event, ReminderScheduled) and event.name == reminder_name:
            return False
        if isinstance(event, UserUttered) and event.text:
            return True
    # The reminder is not in this session's events: the tracker was restarted.
    return True


def _reminder_is_applied(tracker: DialogueStateTracker, reminder_name: str) -> bool:
    return any(isinstance(e, ReminderScheduled) and e.name == reminder_name for e in tracker.applied_events())
