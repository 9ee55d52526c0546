"""``action_two_stage_fallback``: the loop that asks the user to clarify.

First run, or after another ``nlu_fallback``: ask to affirm the likely
intent; after ``out_of_scope``: ask to rephrase. It ends when the user's
intent is clear (neither ``nlu_fallback`` nor ``out_of_scope``), after two
``nlu_fallback`` in a row, or after ``out_of_scope, nlu_fallback,
out_of_scope``. Ending clearly reverts the fallback turns and replays the
clarified message with confidence 1.0; otherwise it gives up with
``action_default_fallback``.
"""
from __future__ import annotations

import copy
import logging
from typing import TYPE_CHECKING

from engine.actions.base import Action, ResponseGenerator
from engine.conversation import constants as c
from engine.conversation.events import ActionExecuted, ActiveLoop, Event, UserUttered, UserUtteranceReverted
from engine.errors import EngineError

if TYPE_CHECKING:
    from engine.conversation.domain import Domain
    from engine.conversation.tracker import DialogueStateTracker

logger = logging.getLogger(__name__)


def _last_intents(tracker: DialogueStateTracker, count: int) -> list[str | None]:
    names: list[str | None] = []
    for event in reversed(tracker.events_after_latest_restart()):
        if isinstance(event, UserUttered):
            names.append(event.intent_name)
            if len(names) == count:
                break
    return names


def _two_fallbacks_in_a_row(tracker: DialogueStateTracker) -> bool:
    return _last_intents(tracker, 2) == [c.INTENT_NLU_FALLBACK, c.INTENT_NLU_FALLBACK]


def _second_affirmation_failed(tracker: DialogueStateTracker) -> bool:
    return _last_intents(tracker, 3) == [c.INTENT_OUT_OF_SCOPE, c.INTENT_NLU_FALLBACK, c.INTENT_OUT_OF_SCOPE]


class TwoStageFallbackAction(Action):
    """See the module docstring."""

    name = c.ACTION_TWO_STAGE_FALLBACK

    def _run_other(
        self, name: str, tracker: DialogueStateTracker, domain: Domain, nlg: ResponseGenerator, channel: str | None
    ) -> list[Event]:
        from engine.actions.builtin import action_for_name

        try:
            return action_for_name(name, domain).run(tracker, domain, nlg, channel)
        except EngineError as ex:
            logger.error("two-stage fallback could not run %r: %s", name, ex.message)
            return []

    def run(
        self, tracker: DialogueStateTracker, domain: Domain, nlg: ResponseGenerator, output_channel: str | None
    ) -> list[Event]:
        """Activate if needed, ask, and end the loop when the user clarified or gave up."""
        events: list[Event] = []
        just_activated = tracker.active_loop_name != self.name
        if just_activated:
            events.append(ActiveLoop(self.name))
        last_intent = tracker.latest_message.intent_name
        clarified = last_intent not in (c.INTENT_NLU_FALLBACK, c.INTENT_OUT_OF_SCOPE)
        gave_up = _two_fallbacks_in_a_row(tracker) or _second_affirmation_failed(tracker)
        if not (clarified or gave_up):
            asked = (
                c.ACTION_DEFAULT_ASK_AFFIRMATION
                if just_activated or last_intent == c.INTENT_NLU_FALLBACK
                else c.ACTION_DEFAULT_ASK_REPHRASE
            )
            return events + self._run_other(asked, tracker, domain, nlg, output_channel)
        events.append(ActiveLoop(None))
        if gave_up:
            return events + self._run_other(c.ACTION_DEFAULT_FALLBACK, tracker, domain, nlg, output_channel)
        clarification = copy.deepcopy(tracker.latest_message)
        intent = dict(clarification.parse_data.get("intent") or {})  # type: ignore[union-attr]
        intent["confidence"] = 1.0
        clarification.parse_data["intent"] = intent  # type: ignore[index]
        return events + [UserUtteranceReverted(), ActionExecuted(c.ACTION_LISTEN), clarification]
