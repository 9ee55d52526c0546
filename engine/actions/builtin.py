"""Rasa's default actions and :func:`action_for_name`.

Each default action returns exactly the events Rasa's does (see the
default-action table in ``notes/data-formats.md`` section 5.1).
"""
from __future__ import annotations

import copy
import logging
from typing import TYPE_CHECKING, Any, Callable

from engine.actions.base import Action, ActionNotFound, ActionUnavailable, ResponseGenerator
from engine.actions.responses import ResponseAction, RetrievalResponseAction, bot_event_from_message, utter
from engine.conversation import constants as c
from engine.conversation.events import (
    ActionExecuted,
    ActiveLoop,
    Event,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUttered,
    UserUtteranceReverted,
)

if TYPE_CHECKING:
    from engine.conversation.domain import Domain
    from engine.conversation.tracker import DialogueStateTracker

logger = logging.getLogger(__name__)


class ListenAction(Action):
    """``action_listen``: wait for the user; no events."""

    name = c.ACTION_LISTEN

    def run(
        self, tracker: DialogueStateTracker, domain: Domain, nlg: ResponseGenerator, output_channel: str | None
    ) -> list[Event]:
        """Return no events."""
        return []


class RestartAction(Action):
    """``action_restart``: ``utter_restart`` (if defined) then ``restart``."""

    name = c.ACTION_RESTART

    def run(
        self, tracker: DialogueStateTracker, domain: Domain, nlg: ResponseGenerator, output_channel: str | None
    ) -> list[Event]:
        """Return the optional bot message and a ``restart`` event."""
        return [*utter("utter_restart", tracker, nlg, output_channel, silent_fail=True), Restarted()]


class SessionStartAction(Action):
    """``action_session_start``: start a session, carry slots over, listen.

    Attributes:
        metadata: Message metadata that starts the session; stored in the
            ``session_started_metadata`` slot when given.
    """

    name = c.ACTION_SESSION_START

    def __init__(self, metadata: dict[str, Any] | None = None) -> None:
        self.metadata = metadata

    def run(
        self, tracker: DialogueStateTracker, domain: Domain, nlg: ResponseGenerator, output_channel: str | None
    ) -> list[Event]:
        """Return ``session_started``, carried-over slots, metadata slot, ``action_listen``."""
        events: list[Event] = [SessionStarted()]
        if domain.carry_over_slots:
            events.extend(
                copy.deepcopy(event) for event in tracker.applied_events() if isinstance(event, SlotSet)
            )
        if self.metadata:
            events.append(SlotSet(c.SESSION_START_METADATA_SLOT, self.metadata))
        events.append(ActionExecuted(c.ACTION_LISTEN))
        return events


class DefaultFallbackAction(Action):
    """``action_default_fallback``: ``utter_default`` (if defined) then ``rewind``."""

    name = c.ACTION_DEFAULT_FALLBACK

    def run(
        self, tracker: DialogueStateTracker, domain: Domain, nlg: ResponseGenerator, output_channel: str | None
    ) -> list[Event]:
        """Return the optional bot message and a ``rewind`` event."""
        return [*utter("utter_default", tracker, nlg, output_channel, silent_fail=True), UserUtteranceReverted()]


class DeactivateLoopAction(Action):
    """``action_deactivate_loop``: deactivate the loop, clear ``requested_slot``."""

    name = c.ACTION_DEACTIVATE_LOOP

    def run(
        self, tracker: DialogueStateTracker, domain: Domain, nlg: ResponseGenerator, output_channel: str | None
    ) -> list[Event]:
        """Return ``active_loop null`` and ``slot requested_slot=null``."""
        return [ActiveLoop(None), SlotSet(c.REQUESTED_SLOT, None)]


def _last_action_was(tracker: DialogueStateTracker, name: str, skip: int = 0) -> bool:
    """Return whether the last non-listen action (``skip`` back) is ``name``."""
    last = tracker.get_last_event_for(ActionExecuted, exclude_actions=[c.ACTION_LISTEN], skip=skip)
    return isinstance(last, ActionExecuted) and last.action_name == name


def _clarified_message(tracker: DialogueStateTracker) -> list[Event]:
    """Return a copy of the latest user message with intent confidence 1.0."""
    last = tracker.get_last_event_for(UserUttered)
    if not isinstance(last, UserUttered):
        return []
    message = copy.deepcopy(last)
    intent = dict(message.parse_data.get("intent") or {})  # type: ignore[union-attr]
    if intent:
        intent["confidence"] = 1.0
        message.parse_data["intent"] = intent  # type: ignore[index]
    return [message]


def _undo_rephrasing() -> list[Event]:
    # The rephrased message, the "No" with the rephrase request, the
    # affirmation request with the unclear message; then listen again.
    return [UserUtteranceReverted(), UserUtteranceReverted(), UserUtteranceReverted(), ActionExecuted(c.ACTION_LISTEN)]


class RevertFallbackEventsAction(Action):
    """``action_revert_fallback_events``: undo a finished two-stage fallback (2.x policy).

    After an affirmation: drop the affirmation and the unclear message (and
    a rephrasing round if there was one) and replay the user's message with
    confidence 1.0. After a rephrasing: drop the rephrasing round and replay
    the rephrased message. Otherwise: nothing.
    """

    name = c.ACTION_REVERT_FALLBACK_EVENTS

    def run(
        self, tracker: DialogueStateTracker, domain: Domain, nlg: ResponseGenerator, output_channel: str | None
    ) -> list[Event]:
        """Return the revert events (see class docstring)."""
        if _last_action_was(tracker, c.ACTION_DEFAULT_ASK_REPHRASE):
            last = tracker.get_last_event_for(UserUttered)
            return _undo_rephrasing() + ([copy.deepcopy(last)] if last is not None else [])
        if _last_action_was(tracker, c.ACTION_DEFAULT_ASK_AFFIRMATION):
            events: list[Event] = [UserUtteranceReverted(), UserUtteranceReverted(), ActionExecuted(c.ACTION_LISTEN)]
            if _last_action_was(tracker, c.ACTION_DEFAULT_ASK_REPHRASE, skip=1):
                events += _undo_rephrasing()
            return events + _clarified_message(tracker)
        return []


class AskAffirmationAction(Action):
    """``action_default_ask_affirmation``: "Did you mean '<intent>'?" with Yes/No buttons."""

    name = c.ACTION_DEFAULT_ASK_AFFIRMATION

    def run(
        self, tracker: DialogueStateTracker, domain: Domain, nlg: ResponseGenerator, output_channel: str | None
    ) -> list[Event]:
        """Return one bot message asking to confirm the top intent."""
        intent = tracker.latest_message.intent_name
        ranking = (tracker.latest_message.parse_data or {}).get("intent_ranking") or []
        if intent == c.INTENT_NLU_FALLBACK and len(ranking) > 1:
            intent = ranking[1].get("name")
        message = {
            "text": f"Did you mean '{intent}'?",
            "buttons": [
                {"title": "Yes", "payload": f"/{intent}"},
                {"title": "No", "payload": f"/{c.INTENT_OUT_OF_SCOPE}"},
            ],
            "utter_action": self.name,
        }
        return [bot_event_from_message(message)]


class AskRephraseAction(ResponseAction):
    """``action_default_ask_rephrase``: ``utter_ask_rephrase`` if defined."""

    def __init__(self) -> None:
        super().__init__(c.ACTION_DEFAULT_ASK_REPHRASE, "utter_ask_rephrase", silent_fail=True)


class BackAction(Action):
    """``action_back``: ``utter_back`` (if defined) then two ``rewind`` events."""

    name = c.ACTION_BACK

    def run(
        self, tracker: DialogueStateTracker, domain: Domain, nlg: ResponseGenerator, output_channel: str | None
    ) -> list[Event]:
        """Return the optional bot message and two rewinds (undo ``/back`` and the turn before)."""
        return [
            *utter("utter_back", tracker, nlg, output_channel, silent_fail=True),
            UserUtteranceReverted(),
            UserUtteranceReverted(),
        ]


class UnlikelyIntentAction(Action):
    """``action_unlikely_intent``: a marker; no events."""

    name = c.ACTION_UNLIKELY_INTENT

    def run(
        self, tracker: DialogueStateTracker, domain: Domain, nlg: ResponseGenerator, output_channel: str | None
    ) -> list[Event]:
        """Return no events."""
        return []


class EndToEndResponseAction(Action):
    """An end-to-end bot text from ``e2e_actions``: utter the text itself."""

    def __init__(self, text: str) -> None:
        self.name = text

    def run(
        self, tracker: DialogueStateTracker, domain: Domain, nlg: ResponseGenerator, output_channel: str | None
    ) -> list[Event]:
        """Return one bot message with the text."""
        return [bot_event_from_message({"text": self.name})]

    def event_for_successful_execution(
        self, policy: str | None, confidence: float | None, hide_rule_turn: bool = False
    ) -> ActionExecuted:
        """Log the run with ``action_text`` instead of a name."""
        return ActionExecuted(None, policy, confidence, action_text=self.name, hide_rule_turn=hide_rule_turn)


def _two_stage_fallback() -> Action:
    from engine.actions.two_stage_fallback import TwoStageFallbackAction

    return TwoStageFallbackAction()


def _extract_slots() -> Action:
    from engine.actions.slot_extraction import ExtractSlotsAction

    return ExtractSlotsAction()


def _form(name: str, resolve: Callable[[str], Action]) -> Action:
    from engine.actions.forms import FormAction

    return FormAction(name, resolve)


BUILTIN_ACTIONS: dict[str, Callable[[], Action]] = {
    c.ACTION_LISTEN: ListenAction,
    c.ACTION_RESTART: RestartAction,
    c.ACTION_SESSION_START: SessionStartAction,
    c.ACTION_DEFAULT_FALLBACK: DefaultFallbackAction,
    c.ACTION_DEACTIVATE_LOOP: DeactivateLoopAction,
    c.ACTION_REVERT_FALLBACK_EVENTS: RevertFallbackEventsAction,
    c.ACTION_DEFAULT_ASK_AFFIRMATION: AskAffirmationAction,
    c.ACTION_DEFAULT_ASK_REPHRASE: AskRephraseAction,
    c.ACTION_TWO_STAGE_FALLBACK: _two_stage_fallback,
    c.ACTION_UNLIKELY_INTENT: UnlikelyIntentAction,
    c.ACTION_BACK: BackAction,
    c.ACTION_EXTRACT_SLOTS: _extract_slots,
}


def action_for_name(
    name: str, domain: Domain, custom_action: Callable[[str], Action] | None = None
) -> Action:
    """Resolve an action name to an action.

    A default action listed in the domain's ``actions`` is a user override
    and, like every other custom action, comes from ``custom_action``.

    Args:
        name: The action name (or end-to-end text).
        domain: The model's domain.
        custom_action: Factory for custom (action-server) actions.

    Raises:
        ActionNotFound: The domain has no such action.
        ActionUnavailable: It is a custom action and none can run here.
    """
    overridden = name in domain.custom_actions

    def resolve(other: str) -> Action:
        return action_for_name(other, domain, custom_action)

    if name == c.ACTION_EXTRACT_SLOTS and not overridden:
        from engine.actions.slot_extraction import ExtractSlotsAction

        return ExtractSlotsAction(resolve)
    if name in BUILTIN_ACTIONS and not overridden:
        return BUILTIN_ACTIONS[name]()
    if name.startswith(c.UTTER_PREFIX) and not overridden or name in domain.responses:
        if name[len(c.UTTER_PREFIX):] in domain.retrieval_intents:
            return RetrievalResponseAction(name)
        if name in domain.responses or domain.index_for_action(name) is not None:
            return ResponseAction(name)
    if name in domain.e2e_actions:
        return EndToEndResponseAction(name)
    if domain.index_for_action(name) is None or name == c.RULE_SNIPPET_ACTION:
        raise ActionNotFound(name)
    if name in domain.forms and not overridden:
        return _form(name, resolve)
    if custom_action is not None:
        return custom_action(name)
    raise ActionUnavailable(name)
