"""Rasa 2.x forms: the form extracts its slots itself from its own mappings.

The requested slot tries each of its mappings in order (``from_entity``,
``from_intent``, ``from_text``; ``from_trigger_intent`` only counts at
activation); a slot without mappings is filled by the entity of its name.
Other required slots are filled by a ``from_entity`` mapping that no other
required slot shares, or - while the form is being activated - by a
``from_trigger_intent`` mapping. Intent filters (``intent``,
``not_intent``) and the form's ``ignored_intents`` apply to every mapping.
"""
from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from engine.actions.forms import FormAction
    from engine.conversation.domain import Domain
    from engine.conversation.tracker import DialogueStateTracker


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _intent_is_desired(mapping: dict[str, Any], tracker: DialogueStateTracker, ignored: list[str]) -> bool:
    intent = tracker.latest_message.intent_name
    wanted = _as_list(mapping.get("intent"))
    blocked = set(_as_list(mapping.get("not_intent"))) | set(ignored)
    if wanted:
        return intent in wanted and intent not in blocked
    return intent not in blocked


def _entity_value(mapping: dict[str, Any], tracker: DialogueStateTracker, is_list: bool) -> Any:
    values = [
        e.get("value")
        for e in tracker.latest_message.entities
        if e.get("entity") == mapping.get("entity")
        and e.get("role") == mapping.get("role")
        and e.get("group") == mapping.get("group")
    ]
    if is_list:
        return values or None
    if not values:
        return None
    return values[0] if len(values) == 1 else values


def legacy_slot_candidates(form: FormAction, tracker: DialogueStateTracker, domain: Domain) -> dict[str, Any]:
    """Return the slot values a 2.x form extracts from the latest message."""
    ignored = list(domain.forms.get(form.name, {}).get("ignored_intents") or [])
    requested = form.slot_to_fill(tracker)
    activating = tracker.active_loop_name != form.name
    required = form.required_slots(domain)
    shared: dict[str, int] = {}
    for slot in required:
        for mapping in form._mappings(slot, domain):
            if mapping.get("type") == "from_entity":
                key = json.dumps(mapping, sort_keys=True, default=str)
                shared[key] = shared.get(key, 0) + 1

    def is_list(slot: str) -> bool:
        definition = domain.slots.get(slot)
        return definition is not None and definition.type_name == "list"

    values: dict[str, Any] = {}
    for slot in required:
        if slot == requested:
            continue
        for mapping in form._mappings(slot, domain):
            if not _intent_is_desired(mapping, tracker, ignored):
                continue
            value = None
            kind = mapping.get("type")
            if kind == "from_entity" and shared.get(json.dumps(mapping, sort_keys=True, default=str)) == 1:
                value = _entity_value(mapping, tracker, is_list(slot))
            elif kind == "from_trigger_intent" and activating:
                value = mapping.get("value")
            if value is not None:
                values[slot] = value
                break
    if requested:
        for mapping in form._mappings(requested, domain):
            if not _intent_is_desired(mapping, tracker, ignored):
                continue
            kind = mapping.get("type")
            if kind == "from_entity":
                value = _entity_value(mapping, tracker, is_list(requested))
            elif kind == "from_intent":
                value = mapping.get("value")
            elif kind == "from_text":
                value = tracker.latest_message.text
            else:
                continue
            if value is not None:
                values[requested] = value
                break
    return values
