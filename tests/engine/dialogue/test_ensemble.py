"""Ensemble config, Rasa's selection rules, fallback and persistence."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from engine.conversation.domain import Domain
from engine.conversation.events import ActionExecuted, ActionExecutionRejected, LoopInterrupted, UserUttered
from engine.conversation.tracker import DialogueStateTracker
from engine.dialogue.ensemble import PolicyEnsemble
from engine.dialogue.policies.base import Policy, PolicyPrediction
from engine.dialogue.policies.memoization import AugmentedMemoizationPolicy, MemoizationPolicy
from engine.dialogue.policies.ml import MLPolicy
from engine.dialogue.policies.rule import RulePolicy
from engine.errors import DataError
from tests.engine.dialogue.helpers import tiny_data, tiny_domain

DOMAIN = tiny_domain()


class Fixed(Policy):
    """A policy that always predicts one action with a fixed score."""

    def __init__(self, label: str, action: str, score: float, priority: int = 1, **flags: Any) -> None:
        super().__init__(priority=priority)
        self.label, self.action, self.score, self.flags = label, action, score, flags

    def predict(self, tracker: DialogueStateTracker, domain: Domain) -> PolicyPrediction:
        prediction = self.prediction(domain, {self.action: self.score}, **self.flags)
        prediction.policy_name = self.label
        return prediction


def listening(intent: str = "greet") -> DialogueStateTracker:
    tracker = DialogueStateTracker("c", DOMAIN.slots)
    tracker.update(ActionExecuted("action_listen"))
    tracker.update(UserUttered(intent, {"intent": {"name": intent, "confidence": 1.0}}))
    return tracker


def test_default_config_maps_ted_and_drops_unexpected_intent_policy() -> None:
    ensemble = PolicyEnsemble.from_config(None)
    kinds = [type(p) for p in ensemble.policies]
    assert kinds == [MemoizationPolicy, RulePolicy, MLPolicy]
    assert ensemble.policies[2].priority == 1 and ensemble.policies[2].max_history == 5
    assert ensemble.policies[2].reported_name == "TEDPolicy"
    assert ensemble.mappings == [("TEDPolicy", "MLPolicy")]
    assert ensemble.dropped == ["UnexpecTEDIntentPolicy"]


def test_config_accepts_class_paths_and_rejects_unknown_names() -> None:
    ensemble = PolicyEnsemble.from_config([{"name": "rasa.core.policies.ted_policy.TEDPolicy", "max_history": 3, "epochs": 9}])
    assert ensemble.policies[0].max_history == 3
    with pytest.raises(DataError, match="Unknown policy 'KerasPolicy'. Valid policies: .*MemoizationPolicy.*RulePolicy"):
        PolicyEnsemble.from_config([{"name": "KerasPolicy"}])
    with pytest.raises(DataError):
        PolicyEnsemble.from_config([{"max_history": 3}])


def test_higher_confidence_then_priority_then_config_order() -> None:
    tracker = listening()
    assert PolicyEnsemble([Fixed("A", "utter_happy", 0.6, 5), Fixed("B", "utter_greet", 0.9, 1)]).predict(tracker, DOMAIN).policy == "B"
    assert PolicyEnsemble([Fixed("A", "utter_happy", 0.9, 1), Fixed("B", "utter_greet", 0.9, 3)]).predict(tracker, DOMAIN).policy == "B"
    first = PolicyEnsemble([Fixed("A", "utter_happy", 0.9, 3), Fixed("B", "utter_greet", 0.9, 3)]).predict(tracker, DOMAIN)
    assert (first.policy, first.action, first.confidence) == ("A", "utter_happy", 0.9)


def test_no_user_prediction_beats_confidence() -> None:
    ensemble = PolicyEnsemble([Fixed("A", "utter_happy", 1.0, 6), Fixed("B", "utter_greet", 0.5, 1, is_no_user_prediction=True)])
    assert ensemble.predict(listening(), DOMAIN).action == "utter_greet"


def test_rejected_action_gets_zero() -> None:
    tracker = listening()
    tracker.update(ActionExecutionRejected("utter_greet"))
    ensemble = PolicyEnsemble([Fixed("A", "utter_greet", 1.0, 6), Fixed("B", "utter_happy", 0.4, 1)])
    prediction = ensemble.predict(tracker, DOMAIN)
    assert (prediction.action, prediction.policy) == ("utter_happy", "B")


def test_user_featurization_only_after_a_user_turn_and_mandatory_events_kept() -> None:
    interrupting = Fixed("L", "utter_happy", 0.2)
    original = interrupting.predict

    def with_event(tracker: DialogueStateTracker, domain: Domain) -> PolicyPrediction:
        prediction = original(tracker, domain)
        prediction.events = [LoopInterrupted(True)]
        return prediction

    interrupting.predict = with_event  # type: ignore[method-assign]
    ensemble = PolicyEnsemble([Fixed("A", "utter_greet", 1.0), interrupting])
    events = ensemble.predict(listening(), DOMAIN).events
    assert [e.type_name for e in events] == ["loop_interrupted", "user_featurization"]
    tracker = listening()
    tracker.update(ActionExecuted("utter_greet"))
    assert [e.type_name for e in ensemble.predict(tracker, DOMAIN).events] == ["loop_interrupted"]


def test_trained_default_ensemble_and_core_fallback_at_threshold() -> None:
    stories, rules = tiny_data()
    ensemble = PolicyEnsemble.from_config(None).fit(stories, rules, DOMAIN)
    greet = ensemble.predict(listening("greet"), DOMAIN)
    assert (greet.action, greet.policy, greet.confidence) == ("utter_greet", "MemoizationPolicy", 1.0)
    # An unseen situation: the ML policy (reported as TEDPolicy) generalizes from the stories.
    unseen = ensemble.predict(listening("affirm"), DOMAIN)
    assert unseen.policy == "TEDPolicy" and unseen.confidence > 0.3
    without_ml = PolicyEnsemble.from_config([{"name": "MemoizationPolicy"}, {"name": "RulePolicy"}])
    without_ml.fit(stories, rules, DOMAIN)
    unknown = without_ml.predict(listening("affirm"), DOMAIN)
    assert (unknown.action, unknown.policy, unknown.confidence) == ("action_default_fallback", "RulePolicy", 0.3)
    assert unknown.scores[0] == {"action": "action_default_fallback", "score": 0.3}
    assert [s["action"] for s in unknown.scores[1:3]] == sorted(s["action"] for s in unknown.scores[1:3])


def test_persisted_ensemble_predicts_the_same(tmp_path: Path) -> None:
    stories, rules = tiny_data()
    ensemble = PolicyEnsemble.from_config(None).fit(stories, rules, DOMAIN)
    ensemble.persist(tmp_path)
    loaded = PolicyEnsemble.load(tmp_path)
    assert loaded.mappings == ensemble.mappings
    for intent in ("greet", "goodbye", "bot_challenge", "deny"):
        before, after = ensemble.predict(listening(intent), DOMAIN), loaded.predict(listening(intent), DOMAIN)
        assert (before.action, before.policy, before.confidence) == (after.action, after.policy, after.confidence)


def test_2x_policies_are_served_by_the_rule_policy() -> None:
    domain = Domain.from_dict(
        {
            "intents": [{"greet": {"triggers": "utter_greet"}}, "affirm"],
            "responses": {"utter_greet": [{"text": "hi"}], "utter_fallback": [{"text": "?"}]},
            "actions": ["utter_fallback"],
        }
    )
    config = [
        {"name": "MemoizationPolicy"},
        {"name": "FallbackPolicy", "nlu_threshold": 0.4, "core_threshold": 0.25, "fallback_action_name": "utter_fallback"},
        {"name": "MappingPolicy"},
        {"name": "TwoStageFallbackPolicy"},
    ]
    ensemble = PolicyEnsemble.from_config(config).fit([], [], domain)
    assert [type(p) for p in ensemble.policies] == [MemoizationPolicy, RulePolicy]
    assert ("MappingPolicy", "RulePolicy") in ensemble.mappings
    rule = ensemble.policies[1]
    assert (rule.config["core_fallback_threshold"], rule.config["core_fallback_action_name"]) == (0.25, "utter_fallback")

    def at_user(intent: str) -> DialogueStateTracker:
        tracker = DialogueStateTracker("c", domain.slots)
        tracker.update(ActionExecuted("action_listen"))
        tracker.update(UserUttered(intent, {"intent": {"name": intent}}))
        return tracker

    assert ensemble.predict(at_user("greet"), domain).action == "utter_greet"
    assert ensemble.predict(at_user("nlu_fallback"), domain).action == "action_two_stage_fallback"
    fallback = ensemble.predict(at_user("affirm"), domain)
    assert (fallback.action, fallback.confidence) == ("utter_fallback", 0.25)
