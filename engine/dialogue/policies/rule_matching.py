"""Rule keys and how a rule matches a conversation's states.

A rule is stored as the sorted-JSON key of its states after the ``...``
snippet marker. It matches when, walking back from the latest state, each
of its states is contained in the conversation's state: every feature it
names has the same value, ``should_not_be_set`` features are absent, and
conversation-start states (no previous action) only match each other.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Any

from engine.conversation.constants import RULE_SNIPPET_ACTION, SHOULD_NOT_BE_SET
from engine.dialogue.featurization import State, state_key, states_from_key


def loop_name(state: State) -> str | None:
    """Return the active loop of a state (None for none or "must not be set")."""
    name = state.get("active_loop", {}).get("name")
    return None if name == SHOULD_NOT_BE_SET else name


def feature_key(states: list[State], longest: int | None = None) -> str | None:
    """Return the key of the states after the last ``...`` state (None if empty).

    Args:
        states: The conversation's states.
        longest: When given, None is returned for more states than this
            (PERF: the key of a long conversation matches no rule; it is
            not worth encoding).
    """
    kept: list[State] = []
    for state in reversed(states):
        if state.get("prev_action", {}).get("action_name") == RULE_SNIPPET_ACTION:
            break
        if longest is not None and len(kept) >= longest:
            return None
        kept.append(state)
    kept.reverse()
    return state_key(kept) if kept else None


def unhappy_states(states: list[State]) -> list[State]:
    """Keep the last state and only the previous action of the one before."""
    if len(states) == 1 or not states[-2].get("prev_action"):
        return [states[-1]]
    return [{"prev_action": states[-2]["prev_action"]}, states[-1]]


def rule_state_matches(rule_state: State, state: State) -> bool:
    """Return whether every feature of ``rule_state`` holds in ``state``."""
    for kind, rule_sub in rule_state.items():
        sub = state.get(kind, {})
        for key, wanted in rule_sub.items():
            have = sub.get(key)
            if wanted == SHOULD_NOT_BE_SET:
                if have and have != SHOULD_NOT_BE_SET:
                    return False
            elif wanted and have != wanted:
                return False
    return True


def _applicable(rule_reversed: list[State], turn: int, state: State) -> bool:
    if turn >= len(rule_reversed):
        return True
    rule_state = rule_reversed[turn]
    # Only conversation-start states lack a previous action; they match each other.
    if not rule_state.get("prev_action") and not state.get("prev_action"):
        return True
    if not rule_state.get("prev_action") or not state.get("prev_action"):
        return False
    return rule_state_matches(rule_state, state)


def _signature(state: State) -> tuple[Any, Any]:
    """Return (previous action, intent) of a state; "" when it has no previous action."""
    prev = state.get("prev_action")
    if not prev:
        return "", None
    # PERF: a sorted item tuple buckets like the JSON key did, without encoding JSON.
    return tuple(sorted(prev.items())), state.get("user", {}).get("intent")


class RuleMatcher:
    """Finds the rules of a lookup that match a conversation, with caches.

    Keys are decoded once; an index by (previous action, intent) of each
    rule's last state avoids trying every rule on every prediction.
    """

    def __init__(self) -> None:
        self._decoded: dict[str, list[State]] = {}
        self._indexes: dict[int, tuple[int, dict[tuple[Any, Any], list[str]]]] = {}

    def reversed_states(self, key: str) -> list[State]:
        """Return the rule's states, latest first."""
        if key not in self._decoded:
            self._decoded[key] = list(reversed(states_from_key(key)))
        return self._decoded[key]

    def longest(self, keys: list[str]) -> int:
        """Return the most states any of ``keys`` holds (0 for none)."""
        return max((len(self.reversed_states(key)) for key in keys), default=0)

    def last_state(self, key: str) -> State:
        """Return the rule's latest state."""
        return self.reversed_states(key)[0]

    def _candidates(self, lookup: dict[str, str], last: State) -> list[str]:
        index = self._indexes.get(id(lookup))
        if index is None or index[0] != len(lookup):
            buckets: dict[tuple[Any, Any], list[str]] = defaultdict(list)
            for key in lookup:
                buckets[_signature(self.last_state(key))].append(key)
            index = (len(lookup), buckets)
            self._indexes[id(lookup)] = index
        buckets = index[1]
        prev = _signature(last)[0]
        found = buckets.get((prev, last.get("user", {}).get("intent")), []) + buckets.get((prev, None), [])
        if prev:
            found += buckets.get(("", None), [])
        return [key for key in found if key in lookup]

    def possible_keys(self, lookup: dict[str, str], states: list[State]) -> list[str]:
        """Return the keys of ``lookup`` whose rule matches ``states``."""
        if not states:
            return []
        keys = []
        for key in self._candidates(lookup, states[-1]):
            rule = self.reversed_states(key)
            # Turns older than the rule always apply: check the rule's length only.
            latest = zip(range(len(rule)), reversed(states))
            if all(_applicable(rule, turn, state) for turn, state in latest):
                keys.append(key)
        return keys
