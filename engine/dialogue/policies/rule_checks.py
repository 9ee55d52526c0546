"""Training-time check that rules are complete (RulePolicy, ``check_for_contradictions``).

An action's *fingerprint* is every featurized slot and active loop that
rules set right after it. A rule that runs the action but does not set all
of them (and does not end with ``...`` there) is incomplete: at prediction
time the state would lack what other rules expect, so training stops with a
report naming each rule, action and missing slot or loop, as Rasa does.
"""
from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

from engine.conversation import constants as c
from engine.conversation.events import ActionExecuted, ActiveLoop, SlotSet, UserUttered
from engine.dialogue.featurization import states_for_tracker
from engine.errors import DataError

if TYPE_CHECKING:
    from engine.conversation.domain import Domain


def action_fingerprints(trackers: list[Any], domain: Domain) -> dict[str, dict[str, set[str]]]:
    """Return action -> {"slots": names, "active_loop": names} set right after it in ``trackers``."""
    featurized = {name for name, slot in domain.slots.items() if slot.feature_dimensionality}
    found: dict[str, dict[str, set[str]]] = defaultdict(lambda: {"slots": set(), "active_loop": set()})
    for tracker in trackers:
        action: str | None = None
        for event in tracker.events:
            if isinstance(event, ActionExecuted):
                action = event.action_name or event.action_text
            elif isinstance(event, UserUttered):
                # Slots filled by the message's entities are not the action's doing.
                action = None
            elif action and isinstance(event, SlotSet) and event.name in featurized:
                found[action]["slots"].add(event.name)
            elif action and isinstance(event, ActiveLoop):
                found[action]["active_loop"].add(event.name or c.SHOULD_NOT_BE_SET)
    return {name: print_ for name, print_ in found.items() if print_["slots"] or print_["active_loop"]}


def _shown(loop: str) -> str:
    return "null" if loop == c.SHOULD_NOT_BE_SET else loop


def incomplete_rule_errors(rule_trackers: list[Any], domain: Domain) -> list[str]:
    """Return one message per incomplete rule step (see module docstring)."""
    fingerprints = action_fingerprints(rule_trackers, domain)
    if not fingerprints:
        return []
    errors: list[str] = []
    for tracker in rule_trackers:
        states = states_for_tracker(tracker, domain)
        following = [s.get("prev_action", {}).get("action_name") for s in states[1:]] + [c.ACTION_LISTEN]
        for state, next_action in zip(states, following):
            action = state.get("prev_action", {}).get("action_name")
            fingerprint = fingerprints.get(action or "")
            if not action or not fingerprint or c.RULE_SNIPPET_ACTION in (action, next_action):
                continue
            missing = sorted(fingerprint["slots"] - set(state.get("slots", {})))
            if missing:
                errors.append(
                    f"- the action '{action}' in rule '{tracker.sender_id}' does not set some of the slots "
                    f"that it sets in other rules. Slots not set in rule '{tracker.sender_id}': "
                    f"'{', '.join(missing)}'. Please update the rule with an appropriate slot or if it is "
                    "the last action add 'wait_for_user_input: false' after this action."
                )
            loops = fingerprint["active_loop"]
            current = state.get("active_loop", {}).get("name")
            if loops and current not in loops:
                expected = sorted({_shown(loop) for loop in loops} | {action})
                errors.append(
                    f"- the form '{action}' in rule '{tracker.sender_id}' does not set the 'active_loop', "
                    f"that it sets in other rules: '{', '.join(expected)}'. Please update the rule with the "
                    "appropriate 'active loop' property or if it is the last action add "
                    "'wait_for_user_input: false' after this action."
                )
    return errors


def check_rules_are_complete(rule_trackers: list[Any], domain: Domain) -> None:
    """Raise a readable report when some rules are incomplete.

    Raises:
        DataError: At least one rule is incomplete.
    """
    errors = incomplete_rule_errors(rule_trackers, domain)
    if errors:
        raise DataError(
            "Incomplete rules found:\n" + "\n".join(dict.fromkeys(errors)) + "\nPlease note that if some slots "
            "or active loops should not be set during prediction you need to explicitly set them to 'null' "
            "in the rules."
        )
