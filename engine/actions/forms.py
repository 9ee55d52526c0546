"""Forms: the loop that asks for required slots until they are all filled.

One run of form ``F``:

1. Not active yet: ``active_loop F``; slots already filled are validated
   (``validate_F`` on the action server, if the domain lists it).
2. Unless done: validate this turn's candidates - only when the form was
   just activated or runs right after the user spoke and was not
   interrupted. 3.x candidates are the ``slot`` events since the latest user
   message for required slots (slot extraction already ran); 2.x domains
   extract them here from the form's own mappings. ``validate_F`` sees a
   temporary tracker (events after the last restart + ``requested_slot`` +
   ``action F`` + the candidates) and its events win; candidates it does not
   mention are accepted. If a slot was requested and nothing was validated
   (and the validator did not reject by itself), the run is rejected.
3. Request the next slot: the ``requested_slot`` a validator set, else the
   first required slot without a value; asked with the first existing
   action of ``action_ask_F_<slot>``, ``utter_ask_F_<slot>``,
   ``action_ask_<slot>``, ``utter_ask_<slot>``. Nothing left:
   ``requested_slot`` null.
4. Done (the last ``requested_slot`` event is null, or the last
   ``active_loop`` event is null, and no rejection): ``active_loop`` null.
"""
from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any, Callable

from engine.actions.base import Action, ActionExecutionRejection, ResponseGenerator
from engine.conversation import constants as c
from engine.conversation.events import (
    ActionExecuted,
    ActionExecutionRejected,
    ActiveLoop,
    Event,
    SlotSet,
    UserUttered,
)
from engine.conversation.tracker import DialogueStateTracker

if TYPE_CHECKING:
    from engine.conversation.domain import Domain

logger = logging.getLogger(__name__)

ActionResolver = Callable[[str], Action]
VALIDATE_PREFIX = "validate_"


def _last_slot_event(events: list[Event], name: str) -> SlotSet | None:
    return next((e for e in reversed(events) if isinstance(e, SlotSet) and e.name == name), None)


def loop_is_done(events: list[Event]) -> bool:
    """Return whether the events of this run end the loop (see module docstring)."""
    if any(isinstance(e, ActionExecutionRejected) for e in events):
        return False
    requested = _last_slot_event(events, c.REQUESTED_SLOT)
    if requested is not None and requested.value is None:
        return True
    last_loop = next((e for e in reversed(events) if isinstance(e, ActiveLoop)), None)
    return last_loop is not None and last_loop.name is None


class FormAction(Action):
    """A form of the domain (see module docstring).

    Args:
        name: The form name.
        resolve: Resolves other action names (``validate_F``, ``action_ask_*``,
            ``utter_ask_*``) to actions.
    """

    def __init__(self, name: str, resolve: ActionResolver) -> None:
        self.name = name
        self.resolve = resolve

    # -- helpers -------------------------------------------------------------

    def required_slots(self, domain: Domain) -> list[str]:
        """Return the form's required slots in order."""
        return list(domain.forms.get(self.name, {}).get("required_slots") or [])

    def slot_to_fill(self, tracker: DialogueStateTracker) -> str | None:
        """Return the requested slot; a requested slot of another (switched-from) form is ignored."""
        if tracker.active_loop_name != self.name:
            return None
        return tracker.get_slot(c.REQUESTED_SLOT)

    def temporary_tracker(
        self, tracker: DialogueStateTracker, extra: list[Event], domain: Domain
    ) -> DialogueStateTracker:
        """Return the tracker a validator or ask action sees (see module docstring)."""
        events = [
            *tracker.events_after_latest_restart(),
            SlotSet(c.REQUESTED_SLOT, self.slot_to_fill(tracker), timestamp=0.0),
            ActionExecuted(self.name, timestamp=0.0),
            *extra,
        ]
        return DialogueStateTracker.from_events(tracker.sender_id, events, domain.slots)

    def _uses_legacy_mappings(self, domain: Domain) -> bool:
        return domain.is_legacy

    # -- validation ------------------------------------------------------------

    def validate_slots(
        self,
        candidates: dict[str, Any],
        tracker: DialogueStateTracker,
        domain: Domain,
        nlg: ResponseGenerator,
        output_channel: str | None,
    ) -> list[Event]:
        """Validate ``candidates`` with ``validate_<form>`` when the domain has it."""
        events: list[Event] = [SlotSet(name, value) for name, value in candidates.items()]
        validator = f"{VALIDATE_PREFIX}{self.name}"
        if domain.index_for_action(validator) is None:
            return events
        scratch = self.temporary_tracker(tracker, events, domain)
        validated = list(self.resolve(validator).run(scratch, domain, nlg, output_channel) or [])
        mentioned = {e.name for e in validated if isinstance(e, SlotSet)}
        return validated + [e for e in events if isinstance(e, SlotSet) and e.name not in mentioned]

    def _unique_entity_mappings(self, domain: Domain) -> set[str]:
        seen: dict[str, int] = {}
        for slot in self.required_slots(domain):
            for mapping in self._mappings(slot, domain):
                if mapping.get("type") == "from_entity":
                    key = json.dumps(mapping, sort_keys=True, default=str)
                    seen[key] = seen.get(key, 0) + 1
        return {key for key, count in seen.items() if count == 1}

    def _mappings(self, slot: str, domain: Domain) -> list[dict[str, Any]]:
        form_mappings = domain.forms.get(self.name, {}).get("slot_mappings") or {}
        if slot in form_mappings:
            return form_mappings[slot] or [{"type": "from_entity", "entity": slot}]
        definition = domain.slots.get(slot)
        mappings = list(definition.mappings) if definition else []
        if not mappings and domain.is_legacy:
            # 2.x: a slot without mappings is filled by the entity of its name.
            mappings = [{"type": "from_entity", "entity": slot}]
        return mappings

    def slot_candidates(self, tracker: DialogueStateTracker, domain: Domain) -> dict[str, Any]:
        """Return this turn's 3.x slot candidates (see module docstring)."""
        if tracker.active_loop is None:
            # Called at activation: pre-filled slots were validated already.
            return {}
        wanted = set(self.required_slots(domain))
        requested = self.slot_to_fill(tracker)
        if requested:
            wanted.add(requested)
        start = 0
        for index in range(len(tracker.events) - 1, -1, -1):
            if isinstance(tracker.events[index], UserUttered):
                start = index
                break
        unique = None
        values: dict[str, Any] = {}
        for event in tracker.events[start:]:
            if not isinstance(event, SlotSet) or event.name not in wanted:
                continue
            mappings = self._mappings(event.name, domain)
            if event.name != requested and mappings:
                if unique is None:
                    unique = self._unique_entity_mappings(domain)
                usable = any(
                    m.get("type") != "from_entity" or json.dumps(m, sort_keys=True, default=str) in unique
                    for m in mappings
                )
                if not usable:
                    continue
            values[event.name] = event.value
        return values

    def validate(
        self, tracker: DialogueStateTracker, domain: Domain, nlg: ResponseGenerator, output_channel: str | None
    ) -> list[Event]:
        """Validate this turn's candidates; reject when the requested slot got nothing.

        Raises:
            ActionExecutionRejection: A slot was requested and nothing was validated.
        """
        if self._uses_legacy_mappings(domain):
            from engine.actions.legacy_forms import legacy_slot_candidates

            candidates = legacy_slot_candidates(self, tracker, domain)
        else:
            candidates = self.slot_candidates(tracker, domain)
        events = self.validate_slots(candidates, tracker, domain, nlg, output_channel)
        validated = any(isinstance(e, SlotSet) and e.name != c.REQUESTED_SLOT for e in events)
        rejected_by_validator = any(isinstance(e, ActionExecutionRejected) for e in events)
        requested = self.slot_to_fill(tracker)
        if requested and not validated and not rejected_by_validator:
            raise ActionExecutionRejection(self.name, f"Failed to extract slot {requested} with action {self.name}.")
        return events

    def _validate_if_required(
        self, tracker: DialogueStateTracker, domain: Domain, nlg: ResponseGenerator, output_channel: str | None
    ) -> list[Event]:
        needs_validation = tracker.active_loop is None or (
            tracker.latest_action_name == c.ACTION_LISTEN and not tracker.is_active_loop_interrupted
        )
        if needs_validation:
            return self.validate(tracker, domain, nlg, output_channel)
        # Back from an unhappy path: nothing to validate, but the validator may
        # still decide what to ask next.
        return self.validate_slots({}, tracker, domain, nlg, output_channel)

    # -- requesting --------------------------------------------------------------

    def ask_action_name(self, slot: str, domain: Domain) -> str | None:
        """Return the first existing action asking for ``slot`` (None if none exists)."""
        for name in (
            f"action_ask_{self.name}_{slot}",
            f"{c.UTTER_PREFIX}ask_{self.name}_{slot}",
            f"action_ask_{slot}",
            f"{c.UTTER_PREFIX}ask_{slot}",
        ):
            if domain.index_for_action(name) is not None:
                return name
        return None

    def request_next_slot(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        nlg: ResponseGenerator,
        output_channel: str | None,
        events_so_far: list[Event],
    ) -> list[Event]:
        """Return ``requested_slot`` and the question for the next slot (or ``requested_slot`` null)."""
        if loop_is_done(events_so_far):
            # The validator ended the form early.
            return [SlotSet(c.REQUESTED_SLOT, None)]
        chosen = next(
            (e.value for e in events_so_far if isinstance(e, SlotSet) and e.name == c.REQUESTED_SLOT), None
        )
        scratch = self.temporary_tracker(tracker, events_so_far, domain)
        events: list[Event] = []
        if not chosen:
            chosen = next((s for s in self.required_slots(domain) if scratch.get_slot(s) is None), None)
            events.append(SlotSet(c.REQUESTED_SLOT, chosen))
        if not chosen:
            return [SlotSet(c.REQUESTED_SLOT, None)]
        ask = self.ask_action_name(chosen, domain)
        if ask is None:
            logger.debug("form %r has no action asking for slot %r", self.name, chosen)
            return events
        return events + list(self.resolve(ask).run(scratch, domain, nlg, output_channel) or [])

    # -- the loop ------------------------------------------------------------------

    def activate(
        self, tracker: DialogueStateTracker, domain: Domain, nlg: ResponseGenerator, output_channel: str | None
    ) -> list[Event]:
        """Return the events of activation: trigger-intent slots, then pre-filled slot validation."""
        events = self._trigger_intent_slots(tracker, domain)
        scratch = tracker
        if events:
            scratch = tracker.copy()
            for event in events:
                scratch.update(event)
        prefilled = {s: scratch.get_slot(s) for s in self.required_slots(domain) if scratch.get_slot(s) is not None}
        if not prefilled:
            return events
        validator = f"{VALIDATE_PREFIX}{self.name}"
        if domain.index_for_action(validator) is None:
            return events
        return events + self.validate_slots(prefilled, scratch, domain, nlg, output_channel)

    def _trigger_intent_slots(self, tracker: DialogueStateTracker, domain: Domain) -> list[Event]:
        """3.x: fill ``from_trigger_intent`` slots of the message that activates the form."""
        if self._uses_legacy_mappings(domain):
            return []
        from engine.actions.slot_extraction import trigger_intent_slot_events

        return trigger_intent_slot_events(tracker, domain, self.name)

    def run(
        self, tracker: DialogueStateTracker, domain: Domain, nlg: ResponseGenerator, output_channel: str | None
    ) -> list[Event]:
        """Run one step of the form (see module docstring).

        Raises:
            ActionExecutionRejection: The requested slot got no value.
        """
        events: list[Event] = []
        if tracker.active_loop_name != self.name:
            events.append(ActiveLoop(self.name))
            events += self.activate(tracker, domain, nlg, output_channel)
        if not loop_is_done(events):
            done = self._validate_if_required(tracker, domain, nlg, output_channel)
            if not any(isinstance(e, ActionExecutionRejected) for e in done):
                done += self.request_next_slot(tracker, domain, nlg, output_channel, events + done)
            events += done
        if loop_is_done(events):
            events.append(ActiveLoop(None))
        return events
