"""Slot filling after each user message (``action_extract_slots``).

3.x domains: every user slot tries its ``mappings`` in order and the first
one producing a value sets it. A ``custom`` mapping with an ``action`` runs
that custom action (once per turn, whatever the number of slots naming it)
and keeps only its ``slot`` and ``bot`` events. Then, when the domain lists
``action_validate_slot_mappings``, it runs on a temporary tracker (events
after the last restart + the candidate ``slot`` events): its ``slot``
events win and candidates it does not mention are kept. A failing custom
action only loses its own slots. 2.x domains: auto-fill slots named like an
entity of the message.
"""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Callable

from engine.actions.base import Action, ResponseGenerator
from engine.conversation import constants as c
from engine.conversation.events import ActiveLoop, BotUttered, Event, SlotSet

if TYPE_CHECKING:
    from engine.conversation.domain import Domain
    from engine.conversation.tracker import DialogueStateTracker

logger = logging.getLogger(__name__)

ACTION_VALIDATE_SLOT_MAPPINGS = "action_validate_slot_mappings"
CustomRunner = Callable[[str, "DialogueStateTracker"], list[Event]]

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


def extract_slot_events(
    tracker: DialogueStateTracker, domain: Domain, run_custom: CustomRunner | None = None
) -> list[Event]:
    """Return the events the latest user message fills slots with (see module docstring).

    Args:
        tracker: The conversation, its latest user message last.
        domain: The model's domain.
        run_custom: Runs a custom action on a tracker and returns its events;
            None skips ``custom`` mappings and the validation action.
    """
    if domain.is_legacy:
        return [SlotSet(name, value) for name, value in domain.slots_for_entities(tracker.latest_message.entities)]
    events: list[Event] = []
    executed: set[str] = set()
    for slot in domain.slots.values():
        if slot.name in SYSTEM_SLOTS:
            continue
        for mapping in slot.mappings:
            if mapping.get("type") == "custom":
                action = mapping.get("action")
                if run_custom is not None and action and action not in executed:
                    executed.add(action)
                    events += _kept_events(action, run_custom(action, tracker))
                continue
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
    if run_custom is not None and ACTION_VALIDATE_SLOT_MAPPINGS in domain.custom_actions:
        events = _validated(events, tracker, domain, run_custom)
    return events


def _kept_events(action: str, events: list[Event]) -> list[Event]:
    kept = [e for e in events if isinstance(e, (SlotSet, BotUttered))]
    dropped = sorted({e.type_name for e in events if not isinstance(e, (SlotSet, BotUttered))})
    if dropped:
        logger.info("slot mapping action %r returned events of type %s; only slot and bot events are kept",
                    action, ", ".join(dropped))
    return kept


def _validated(
    events: list[Event], tracker: DialogueStateTracker, domain: Domain, run_custom: CustomRunner
) -> list[Event]:
    from engine.conversation.tracker import DialogueStateTracker

    candidates = [e for e in events if isinstance(e, SlotSet)]
    scratch = DialogueStateTracker.from_events(
        tracker.sender_id, [*tracker.events_after_latest_restart(), *candidates], domain.slots
    )
    checked = _kept_events(ACTION_VALIDATE_SLOT_MAPPINGS, run_custom(ACTION_VALIDATE_SLOT_MAPPINGS, scratch))
    mentioned = {e.name for e in checked if isinstance(e, SlotSet)}
    others = [e for e in events if isinstance(e, BotUttered)]
    return others + checked + [e for e in candidates if e.name not in mentioned]


def trigger_intent_slot_events(tracker: DialogueStateTracker, domain: Domain, form: str) -> list[Event]:
    """Return slot events of the form-activating message, extracted as if ``form`` were active.

    Only values that differ from the current ones are returned (the first
    extraction of this message already set the others).
    """
    scratch = tracker.copy()
    scratch.update(ActiveLoop(form, timestamp=0.0))
    return [
        event
        for event in extract_slot_events(scratch, domain)
        if isinstance(event, SlotSet) and tracker.get_slot(event.name) != event.value
    ]


class ExtractSlotsAction(Action):
    """``action_extract_slots``: fill slots from the latest user message.

    Args:
        resolve: Resolves custom action names (for ``custom`` mappings and
            ``action_validate_slot_mappings``); None skips them.
    """

    name = c.ACTION_EXTRACT_SLOTS

    def __init__(self, resolve: Callable[[str], Action] | None = None) -> None:
        self.resolve = resolve

    def run(
        self, tracker: DialogueStateTracker, domain: Domain, nlg: ResponseGenerator, output_channel: str | None
    ) -> list[Event]:
        """Return the ``slot`` (and custom actions' ``bot``) events for the latest user message."""
        resolve = self.resolve
        if resolve is None:
            return extract_slot_events(tracker, domain)

        def run_custom(action: str, on: DialogueStateTracker) -> list[Event]:
            try:
                return list(resolve(action).run(on, domain, nlg, output_channel) or [])
            except Exception as ex:  # a failing mapping action must not lose the turn
                logger.warning("custom action %r of a slot mapping failed: %s; its slots stay unfilled",
                               action, getattr(ex, "message", ex))
                return []

        return extract_slot_events(tracker, domain, run_custom)
