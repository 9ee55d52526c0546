"""Slot filling after each user message (``action_extract_slots``).

3.x domains: every user slot tries its ``mappings`` in order and the first
one producing a value sets it. 2.x domains: auto-fill slots named like an
entity of the message. Custom mappings (``type: custom``) and the
``action_validate_slot_mappings`` hook need an action server and are
skipped here.
"""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from engine.actions.base import Action, ResponseGenerator
from engine.conversation import constants as c
from engine.conversation.events import Event, SlotSet

if TYPE_CHECKING:
    from engine.conversation.domain import Domain
    from engine.conversation.tracker import DialogueStateTracker

logger = logging.getLogger(__name__)

SYSTEM_SLOTS = frozenset({c.REQUESTED_SLOT, c.SESSION_START_METADATA_SLOT, *c.KNOWLEDGE_BASE_SLOTS})


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _intent_is_desired(mapping: dict[str, Any], slot: str, tracker: DialogueStateTracker, domain: Domain) -> bool:
    wanted = _as_list(mapping.get("intent"))
    blocked = set(_as_list(mapping.get("not_intent")))
    form = domain.forms.get(tracker.active_loop_name or "")
    if form and slot in form["required_slots"]:
        blocked.update(form["ignored_intents"])
    intent = tracker.latest_message.intent_name
    if wanted:
        return intent in wanted
    return intent not in blocked


def _conditions_hold(mapping: dict[str, Any], slot: str, tracker: DialogueStateTracker) -> bool:
    conditions = mapping.get("conditions")
    if not conditions or mapping.get("type") == "from_trigger_intent":
        return True
    requested = tracker.get_slot(c.REQUESTED_SLOT)
    if tracker.is_active_loop_rejected and requested == slot:
        return False
    for condition in conditions:
        if not isinstance(condition, dict):
            continue
        if condition.get("active_loop") != tracker.active_loop_name:
            continue
        if not condition.get("requested_slot") or condition["requested_slot"] == requested:
            return True
    return False


def _fails_unique_entity_check(
    mapping: dict[str, Any], slot: str, tracker: DialogueStateTracker, domain: Domain
) -> bool:
    """Inside a form, an entity mapping of a required-but-not-asked slot must be unique."""
    form = domain.forms.get(tracker.active_loop_name or "")
    if mapping.get("type") != "from_entity" or not form:
        return False
    if tracker.get_slot(c.REQUESTED_SLOT) == slot or slot not in form["required_slots"]:
        return False
    key = tuple(mapping.get(k) for k in ("entity", "role", "group"))
    users = 0
    for other in form["required_slots"]:
        other_slot = domain.slots.get(other)
        for other_mapping in other_slot.mappings if other_slot else []:
            if other_mapping.get("type") == "from_entity" and tuple(
                other_mapping.get(k) for k in ("entity", "role", "group")
            ) == key:
                users += 1
    return users > 1


def _mapping_values(mapping: dict[str, Any], tracker: DialogueStateTracker) -> list[Any]:
    kind = mapping.get("type")
    message = tracker.latest_message
    if kind == "from_entity":
        return [
            e.get("value")
            for e in message.entities
            if e.get("entity") == mapping.get("entity")
            and e.get("role") == mapping.get("role")
            and e.get("group") == mapping.get("group")
        ]
    if kind == "from_intent":
        return [mapping.get("value")]
    if kind == "from_text":
        return [message.text]
    if kind == "from_trigger_intent":
        loops = [cond.get("active_loop") for cond in mapping.get("conditions") or [] if isinstance(cond, dict)]
        active = tracker.active_loop_name
        if active is None or (loops and active not in loops):
            return []
        return [mapping.get("value")]
    return []


def extract_slot_events(tracker: DialogueStateTracker, domain: Domain) -> list[Event]:
    """Return the ``slot`` events the latest user message fills."""
    if domain.is_legacy:
        return [SlotSet(name, value) for name, value in domain.slots_for_entities(tracker.latest_message.entities)]
    events: list[Event] = []
    for slot in domain.slots.values():
        if slot.name in SYSTEM_SLOTS:
            continue
        for mapping in slot.mappings:
            if mapping.get("type") == "from_entity" and mapping.get("entity") not in domain.entities:
                continue
            if not _intent_is_desired(mapping, slot.name, tracker, domain):
                continue
            if not _conditions_hold(mapping, slot.name, tracker):
                continue
            if _fails_unique_entity_check(mapping, slot.name, tracker, domain):
                continue
            values = _mapping_values(mapping, tracker)
            if not values:
                continue
            value = values if slot.type_name == "list" else values[-1]
            if value is not None or tracker.get_slot(slot.name) is not None:
                events.append(SlotSet(slot.name, value))
                break
    return events


class ExtractSlotsAction(Action):
    """``action_extract_slots``: fill slots from the latest user message."""

    name = c.ACTION_EXTRACT_SLOTS

    def run(
        self, tracker: DialogueStateTracker, domain: Domain, nlg: ResponseGenerator, output_channel: str | None
    ) -> list[Event]:
        """Return the ``slot`` events for the latest user message."""
        return extract_slot_events(tracker, domain)
