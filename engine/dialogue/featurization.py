"""Dialogue states: what policies see of a conversation.

A state is a dict of non-empty sub-states::

    {"user": {"intent": "inform", "entities": ("city", "city#to")},
     "prev_action": {"action_name": "action_listen"},
     "slots": {"city": (1.0,)},
     "active_loop": {"name": "booking_form"}}

:func:`states_for_tracker` gives one state per ``action`` event of the
applied events (the conversation just before it) plus one for now; the very
first state is ``{}``. A tracker with a ``state_cache`` keeps that work, so
each prediction only featurizes the events appended since the last one. Keys made from states (:func:`state_key`) are sorted
JSON, so the same states always give the same key.
"""
from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

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


class _StateHistory:
    """States of a tracker's applied events so far, extended as events arrive.

    Holds the replayed tracker and the loop variables of
    :func:`states_for_tracker` after the last ``action`` event it saw, so a
    later call only replays the events appended since (PERF: featurizing
    the whole history on every prediction makes a turn cost grow with the
    conversation).
    """

    def __init__(self, tracker: DialogueStateTracker, domain: Domain, options: tuple[bool, bool, Any]) -> None:
        self.domain = domain
        self.omit_unset_slots, self.ignore_rule_only_turns, self.rule_only_data = options
        self.running = tracker.init_copy()
        self.consumed: list[Any] = []
        self.states: list[State] = []
        self.last_ml_action: dict[str, str] | None = None
        self.turn_was_hidden = False
        self._final: tuple[int, State | None] | None = None

    def advance(self, applied: list[Any]) -> bool:
        """Replay the applied events not seen yet; False if the history changed instead."""
        seen = len(self.consumed)
        if len(applied) < seen or applied[:seen] != self.consumed:
            return False
        for event in applied[seen:]:
            if isinstance(event, ActionExecuted):
                state, self.last_ml_action, self.turn_was_hidden = self._state(event.hide_rule_turn)
                if state is not None:
                    self.states.append(state)
            self.running.update(event)
            self.consumed.append(event)
        return True

    def current(self) -> list[State]:
        """Return the states so far plus the state now.

        A new list; callers may change the last state's top level and its
        ``user`` sub-state (fresh copies), nothing else: the rest is kept for
        the next call.
        """
        # PERF: policies sharing this history ask for the same final state in a row.
        if self._final is None or self._final[0] != len(self.consumed):
            self._final = (len(self.consumed), self._state(False)[0])
        final = self._final[1]
        states = list(self.states)
        if final is not None:
            final = dict(final)
            if "user" in final:
                final["user"] = dict(final["user"])
            states.append(final)
        return states

    def _state(self, hide_rule_turn: bool) -> tuple[State | None, dict[str, str] | None, bool]:
        """Return the state before the next action (None: hidden) and the new loop variables."""
        running = self.running
        last_ml_action, turn_was_hidden = self.last_ml_action, self.turn_was_hidden
        if self.ignore_rule_only_turns:
            if not turn_was_hidden:
                last_ml_action = dict(running.latest_action)
            # Follow-up actions and loop happy paths keep the hidden flag.
            if not running.followup_action and running.latest_action_name != running.active_loop_name:
                turn_was_hidden = hide_rule_turn
            if turn_was_hidden:
                return None, last_ml_action, turn_was_hidden
        state = active_state(running, self.domain, omit_unset_slots=self.omit_unset_slots)
        if self.ignore_rule_only_turns:
            _remove_rule_only_features(state, self.rule_only_data)
            if self.states and not is_prev_action_listen(state):
                # Mid-turn states keep the user input of the last ML state.
                if self.states[-1].get("user"):
                    state["user"] = self.states[-1]["user"]
                else:
                    state.pop("user", None)
            if last_ml_action:
                state["prev_action"] = last_ml_action
        return {key: sub for key, sub in state.items() if sub}, last_ml_action, turn_was_hidden


def states_for_tracker(
    tracker: DialogueStateTracker,
    domain: Domain,
    *,
    omit_unset_slots: bool = False,
    ignore_rule_only_turns: bool = False,
    rule_only_data: dict[str, Any] | None = None,
) -> list[State]:
    """Return the state history of ``tracker`` (see module docstring).

    When ``tracker.state_cache`` is a dict, the work is kept there and the
    next call only featurizes the events appended since.

    Args:
        tracker: The conversation.
        domain: The domain (entity filtering per intent).
        omit_unset_slots: Leave out slots no event touched (rules).
        ignore_rule_only_turns: Skip turns predicted by rules that stories
            never use (``hide_rule_turn``), as ML policies must.
        rule_only_data: ``rule_only_slots`` / ``rule_only_loops`` to strip.
    """
    options = (omit_unset_slots, ignore_rule_only_turns, rule_only_data)
    cache = getattr(tracker, "state_cache", None)
    key = (id(domain), omit_unset_slots, ignore_rule_only_turns, id(rule_only_data))
    history = cache.get(key) if cache is not None else None
    applied = tracker.applied_events()
    if history is None or history.domain is not domain or history.rule_only_data is not rule_only_data \
            or not history.advance(applied):
        history = _StateHistory(tracker, domain, options)
        history.advance(applied)
        if cache is not None:
            cache[key] = history
    return history.current()


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


# json encodes tuples as arrays itself; one encoder made once (PERF: building
#   an encoder and copying tuples to lists per key was ~6% of a turn's CPU).
_KEY_ENCODER = json.JSONEncoder(sort_keys=True, ensure_ascii=False)


def state_key(states: list[State]) -> str:
    """Return the sorted-JSON key of a state sequence."""
    return _KEY_ENCODER.encode(states)


def states_from_key(key: str) -> list[State]:
    """Decode a key back into states (lists become tuples again)."""

    def tuples(value: Any) -> Any:
        if isinstance(value, list):
            return tuple(value)
        if isinstance(value, dict):
            return {k: tuples(v) for k, v in value.items()}
        return value

    return [tuples(s) for s in json.loads(key)]
