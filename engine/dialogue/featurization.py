"""Dialogue states: what policies see of a conversation.

A state is a dict of non-empty sub-states::

    {"user": {"intent": "inform", "entities": ("city", "city#to")},
     "prev_action": {"action_name": "action_listen"},
     "slots": {"city": (1.0,)},
     "active_loop": {"name": "booking_form"}}

:func:`states_for_tracker` gives one state per ``action`` event of the
applied events (the conversation just before it) plus one for now; the very
first state is ``{}``. Keys made from states (:func:`state_key`) are sorted
JSON, so the same states always give the same key.
"""
from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Iterator

from engine.conversation.constants import ACTION_LISTEN, SHOULD_NOT_BE_SET
from engine.conversation.events import ActionExecuted

if TYPE_CHECKING:
    from engine.conversation.domain import Domain
    from engine.conversation.tracker import DialogueStateTracker

State = dict[str, dict[str, Any]]


def _user_sub_state(tracker: DialogueStateTracker, domain: Domain) -> dict[str, Any]:
    message = tracker.latest_message
    if message.is_empty():
        return {}
    sub_state = message.as_sub_state()
    if "entities" in sub_state:
        used = domain.used_entities(message.intent_name)
        labels = set(sub_state["entities"])
        if used is not None:
            labels &= set(used)
        if labels:
            sub_state["entities"] = tuple(sorted(labels))
        else:
            del sub_state["entities"]
    return sub_state


def _slots_sub_state(tracker: DialogueStateTracker, omit_unset_slots: bool) -> dict[str, Any]:
    slots: dict[str, Any] = {}
    for name, slot in tracker.slots.items():
        if slot.value is None:
            # Unset slots featurize to all zeros and are left out.
            continue
        features = slot.as_feature()
        if not features:
            continue
        if omit_unset_slots and not slot.has_been_set:
            continue
        if slot.value == SHOULD_NOT_BE_SET and not isinstance(slot.value, bool):
            slots[name] = SHOULD_NOT_BE_SET
        elif any(features):
            slots[name] = tuple(features)
    return slots


def active_state(tracker: DialogueStateTracker, domain: Domain, *, omit_unset_slots: bool = False) -> State:
    """Return the state of ``tracker`` as it is now."""
    loop = tracker.active_loop["name"] if tracker.active_loop else None
    state = {
        "user": _user_sub_state(tracker, domain),
        "slots": _slots_sub_state(tracker, omit_unset_slots),
        "prev_action": dict(tracker.latest_action),
        "active_loop": {"name": loop} if loop else {},
    }
    return {key: sub for key, sub in state.items() if sub}


def prior_trackers(tracker: DialogueStateTracker) -> Iterator[tuple[DialogueStateTracker, bool]]:
    """Yield the tracker before each applied ``action`` event, then the tracker now.

    The flag is the action's ``hide_rule_turn`` (False for the final one).
    One running tracker is yielded repeatedly: read it before advancing.
    """
    running = tracker.init_copy()
    for event in tracker.applied_events():
        if isinstance(event, ActionExecuted):
            yield running, event.hide_rule_turn
        running.update(event)
    yield running, False


def _remove_rule_only_features(state: State, rule_only_data: dict[str, Any] | None) -> None:
    if not rule_only_data:
        return
    for slot in rule_only_data.get("rule_only_slots") or []:
        state.get("slots", {}).pop(slot, None)
    if state.get("active_loop", {}).get("name") in (rule_only_data.get("rule_only_loops") or []):
        del state["active_loop"]


def is_prev_action_listen(state: State) -> bool:
    """Return whether the state's previous action is ``action_listen``."""
    return state.get("prev_action", {}).get("action_name") == ACTION_LISTEN


def states_for_tracker(
    tracker: DialogueStateTracker,
    domain: Domain,
    *,
    omit_unset_slots: bool = False,
    ignore_rule_only_turns: bool = False,
    rule_only_data: dict[str, Any] | None = None,
) -> list[State]:
    """Return the state history of ``tracker`` (see module docstring).

    Args:
        tracker: The conversation.
        domain: The domain (entity filtering per intent).
        omit_unset_slots: Leave out slots no event touched (rules).
        ignore_rule_only_turns: Skip turns predicted by rules that stories
            never use (``hide_rule_turn``), as ML policies must.
        rule_only_data: ``rule_only_slots`` / ``rule_only_loops`` to strip.
    """
    states: list[State] = []
    last_ml_action: dict[str, str] | None = None
    turn_was_hidden = False
    for running, hide_rule_turn in prior_trackers(tracker):
        if ignore_rule_only_turns:
            if not turn_was_hidden:
                last_ml_action = dict(running.latest_action)
            # Follow-up actions and loop happy paths keep the hidden flag.
            if not running.followup_action and running.latest_action_name != running.active_loop_name:
                turn_was_hidden = hide_rule_turn
            if turn_was_hidden:
                continue
        state = active_state(running, domain, omit_unset_slots=omit_unset_slots)
        if ignore_rule_only_turns:
            _remove_rule_only_features(state, rule_only_data)
            if states and not is_prev_action_listen(state):
                # Mid-turn states keep the user input of the last ML state.
                if states[-1].get("user"):
                    state["user"] = states[-1]["user"]
                else:
                    state.pop("user", None)
            if last_ml_action:
                state["prev_action"] = last_ml_action
        states.append({key: sub for key, sub in state.items() if sub})
    return states


def choose_last_user_input(states: list[State], use_text: bool) -> None:
    """Keep only the text or only the intent of the latest user turn (in place)."""
    if not states or not is_prev_action_listen(states[-1]):
        return
    user = states[-1].get("user")
    if not user:
        return
    if use_text:
        user.pop("intent", None)
        user.pop("entities", None)
    elif "intent" in user:
        user.pop("text", None)
    if not user:
        del states[-1]["user"]


def training_examples(
    tracker: DialogueStateTracker, domain: Domain, *, omit_unset_slots: bool = False
) -> list[tuple[list[State], str]]:
    """Return ``(states before the action, action name or text)`` per action."""
    states = states_for_tracker(tracker, domain, omit_unset_slots=omit_unset_slots)
    examples = []
    index = 0
    for event in tracker.applied_events():
        if not isinstance(event, ActionExecuted):
            continue
        index += 1
        if event.unpredictable:
            continue
        label = event.action_name or event.action_text or ""
        examples.append(([dict(s) for s in states[:index]], label))
    return examples


def _jsonable(value: Any) -> Any:
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    return value


def state_key(states: list[State]) -> str:
    """Return the sorted-JSON key of a state sequence."""
    return json.dumps([_jsonable(s) for s in states], sort_keys=True, ensure_ascii=False)


def states_from_key(key: str) -> list[State]:
    """Decode a key back into states (lists become tuples again)."""

    def tuples(value: Any) -> Any:
        if isinstance(value, list):
            return tuple(value)
        if isinstance(value, dict):
            return {k: tuples(v) for k, v in value.items()}
        return value

    return [tuples(s) for s in json.loads(key)]
