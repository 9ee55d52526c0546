"""RulePolicy: rule matching, defaults, loops, fallback and training checks."""
from __future__ import annotations

from pathlib import Path

import pytest

from engine.conversation.domain import Domain
from engine.conversation.events import (
    ActionExecuted,
    ActionExecutionRejected,
    ActiveLoop,
    DefinePrevUserUtteredFeaturization,
    Event,
    SlotSet,
    UserUttered,
)
from engine.conversation.tracker import DialogueStateTracker
from engine.dialogue.policies.base import PolicyPrediction
from engine.dialogue.policies.rule import RulePolicy
from engine.dialogue.story_trackers import training_trackers
from engine.errors import DataError
from tests.engine.dialogue.helpers import stories_from_yaml

DOMAIN = Domain.from_dict(
    {
        "intents": ["greet", "goodbye", "chitchat", "inform", "affirm", "restart", "back"],
        "slots": {"vip": {"type": "bool", "mappings": []}},
        "forms": {"f": {"required_slots": ["vip"]}},
        "responses": {
            f"utter_{n}": [{"text": n}]
            for n in ("greet", "welcome_back", "goodbye", "chitchat", "vip", "next", "after", "start", "submit")
        },
    }
)
RULES = """
rules:
- rule: goodbye
  steps:
  - intent: goodbye
  - action: utter_goodbye
- rule: chitchat
  steps:
  - intent: chitchat
  - action: utter_chitchat
- rule: first greet
  conversation_start: true
  steps:
  - intent: greet
  - action: utter_start
- rule: greet again
  steps:
  - intent: greet
  - action: utter_welcome_back
- rule: vip affirms
  condition:
  - slot_was_set:
    - vip: true
  steps:
  - intent: affirm
  - action: utter_vip
- rule: non-vip affirms
  condition:
  - slot_was_set:
    - vip: null
  steps:
  - intent: affirm
  - action: utter_greet
- rule: keep going
  steps:
  - action: utter_next
  - action: utter_after
  wait_for_user_input: false
- rule: submit
  condition:
  - active_loop: f
  steps:
  - action: f
  - active_loop: null
  - action: utter_submit
"""


def fit(rules: str = RULES, stories: str = "stories: []", **config: object) -> RulePolicy:
    trackers = training_trackers(stories_from_yaml(stories), stories_from_yaml(rules, "rules"), DOMAIN)
    return RulePolicy(**config).fit(trackers, DOMAIN)


def convo(*steps: str | Event) -> DialogueStateTracker:
    """Build a processed conversation: "intent" items are user turns, others actions."""
    tracker = DialogueStateTracker("c", DOMAIN.slots)
    tracker.update(ActionExecuted("action_listen"))
    for step in steps:
        if isinstance(step, Event):
            tracker.update(step)
        elif step.startswith("utter_") or step.startswith("action_") or step == "f":
            tracker.update(ActionExecuted(step))
        else:
            if tracker.latest_action_name != "action_listen":
                tracker.update(ActionExecuted("action_listen"))
            tracker.update(UserUttered(step, {"intent": {"name": step, "confidence": 0.9}}))
            tracker.update(DefinePrevUserUtteredFeaturization(False))
    return tracker


def best(prediction: PolicyPrediction) -> tuple[str, float]:
    return DOMAIN.action_names[prediction.max_index], prediction.max_confidence


def test_rule_fires_anywhere_and_keeps_fallback_score() -> None:
    policy = fit()
    prediction = policy.predict(convo("inform", "utter_next", "action_listen", "goodbye"), DOMAIN)
    assert best(prediction) == ("utter_goodbye", 1.0)
    assert prediction.probabilities[DOMAIN.index_for_action("action_default_fallback")] == 0.3
    assert best(policy.predict(convo("goodbye", "utter_goodbye"), DOMAIN)) == ("action_listen", 1.0)


def test_conversation_start_rule_only_applies_at_the_start() -> None:
    policy = fit()
    assert best(policy.predict(convo("greet"), DOMAIN))[0] == "utter_start"
    assert best(policy.predict(convo("chitchat", "utter_chitchat", "greet"), DOMAIN))[0] == "utter_welcome_back"


def test_slot_conditions_and_must_not_be_set() -> None:
    policy = fit()
    vip = convo("chitchat", "utter_chitchat", SlotSet("vip", True), "affirm")
    assert best(policy.predict(vip, DOMAIN))[0] == "utter_vip"
    assert best(policy.predict(convo("chitchat", "utter_chitchat", "affirm"), DOMAIN))[0] == "utter_greet"
    # `null` means "not set": false is a value, so neither rule applies.
    not_vip = convo("chitchat", "utter_chitchat", SlotSet("vip", False), "affirm")
    assert best(policy.predict(not_vip, DOMAIN))[0] == "action_default_fallback"


def test_rule_without_wait_for_user_input_does_not_force_listening() -> None:
    policy = fit()
    assert best(policy.predict(convo("inform", "utter_next"), DOMAIN))[0] == "utter_after"
    assert best(policy.predict(convo("inform", "utter_next", "utter_after"), DOMAIN)) == ("action_default_fallback", 0.3)


@pytest.mark.parametrize("intent, action", [("restart", "action_restart"), ("back", "action_back")])
def test_default_intents_map_to_default_actions_after_the_user_spoke(intent: str, action: str) -> None:
    policy = fit()
    assert best(policy.predict(convo(intent), DOMAIN)) == (action, 1.0)
    assert best(policy.predict(convo(intent, "utter_next", "utter_after"), DOMAIN))[0] != action


def test_no_match_predicts_core_fallback_at_threshold() -> None:
    assert best(fit().predict(convo("inform"), DOMAIN)) == ("action_default_fallback", 0.3)
    custom = fit(core_fallback_threshold=0.4, core_fallback_action_name="utter_chitchat")
    assert best(custom.predict(convo("inform"), DOMAIN)) == ("utter_chitchat", 0.4)
    silent = fit(enable_fallback_prediction=False)
    assert silent.predict(convo("inform"), DOMAIN).max_confidence == 0.0


def test_loop_happy_path_runs_the_loop_then_listens() -> None:
    policy = fit()
    in_loop = convo("inform", ActiveLoop("f"), "action_listen", "affirm")
    prediction = policy.predict(in_loop, DOMAIN)
    assert best(prediction)[0] == "f" and prediction.is_no_user_prediction
    in_loop.update(ActionExecuted("f"))
    assert best(policy.predict(in_loop, DOMAIN))[0] == "action_listen"


def test_rejected_loop_falls_back_to_rules_and_general_rules_return_to_the_loop() -> None:
    policy = fit()
    tracker = convo("inform", ActiveLoop("f"), "action_listen", "chitchat", ActionExecutionRejected("f"))
    assert best(policy.predict(tracker, DOMAIN))[0] == "utter_chitchat"
    tracker.update(ActionExecuted("utter_chitchat"))
    assert best(policy.predict(tracker, DOMAIN))[0] == "f"


def test_rule_after_loop_completion() -> None:
    policy = fit()
    tracker = convo("inform", ActiveLoop("f"), "f", ActiveLoop(None))
    assert best(policy.predict(tracker, DOMAIN))[0] == "utter_submit"


def test_contradicting_story_fails_training() -> None:
    stories = """
stories:
- story: goodbye twice
  steps:
  - intent: goodbye
  - action: utter_chitchat
"""
    with pytest.raises(DataError, match="utter_chitchat.*contradicting with rule\\(s\\) 'goodbye'"):
        fit(stories=stories)
    fit(stories=stories, check_for_contradictions=False)


def test_rules_are_limited_to_one_user_turn() -> None:
    rules = "rules:\n- rule: long\n  steps:\n  - intent: greet\n  - action: utter_greet\n  - intent: goodbye\n  - action: utter_goodbye\n"
    with pytest.raises(DataError, match="long"):
        fit(rules)
    fit(rules, restrict_rules=False)


def test_turns_of_rules_no_story_uses_are_hidden() -> None:
    stories = "stories:\n- story: s\n  steps:\n  - intent: goodbye\n  - action: utter_goodbye\n"
    policy = fit(stories=stories)
    assert not policy.predict(convo("goodbye"), DOMAIN).hide_rule_turn
    assert policy.predict(convo("chitchat"), DOMAIN).hide_rule_turn


def test_unknown_fallback_action_is_a_data_error() -> None:
    with pytest.raises(DataError, match="fallback action"):
        fit(core_fallback_action_name="action_nope")


def test_persist_and_load_round_trip(tmp_path: Path) -> None:
    policy = fit()
    policy.persist(tmp_path)
    loaded = RulePolicy.load(tmp_path)
    assert loaded.rules_ == policy.rules_
    assert best(loaded.predict(convo("goodbye"), DOMAIN)) == ("utter_goodbye", 1.0)


def test_incomplete_rule_is_reported_at_training() -> None:
    import pytest as _pytest

    from engine.conversation.domain import Domain
    from engine.dialogue.policies.rule import RulePolicy
    from engine.dialogue.story_trackers import training_trackers
    from engine.errors import DataError
    from tests.engine.dialogue.helpers import stories_from_yaml

    domain = Domain.from_dict({
        "version": "3.1", "intents": ["ask", "other"],
        "slots": {"done": {"type": "bool", "mappings": [{"type": "custom"}]}},
        "actions": ["action_check"], "responses": {"utter_ok": [{"text": "ok"}]},
    })
    rules = stories_from_yaml("""
rules:
- rule: check sets done
  steps:
  - intent: ask
  - action: action_check
  - slot_was_set:
    - done: true
  - action: utter_ok
- rule: check forgets the slot
  steps:
  - intent: other
  - action: action_check
  - action: utter_ok
""", "rules")
    with _pytest.raises(DataError, match="Incomplete rules found:\\n- the action 'action_check' in rule 'check forgets the slot'"):
        RulePolicy().fit(training_trackers([], rules, domain), domain)
    RulePolicy(check_for_contradictions=False).fit(training_trackers([], rules, domain), domain)
