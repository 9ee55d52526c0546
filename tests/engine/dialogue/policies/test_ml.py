"""MLPolicy: generalizes to unseen paths, persists without pickles, reports as TEDPolicy."""
from __future__ import annotations

from pathlib import Path

from engine.conversation.events import ActionExecuted, SlotSet, UserUttered
from engine.conversation.tracker import DialogueStateTracker
from engine.dialogue.ensemble import PolicyEnsemble
from engine.dialogue.policies.ml import WEIGHTS_FILE, MLPolicy
from engine.dialogue.story_trackers import augmented_trackers, training_trackers
from tests.engine.dialogue.helpers import tiny_data, tiny_domain

DOMAIN = tiny_domain()


def trained(**config) -> MLPolicy:
    stories, rules = tiny_data()
    trackers = training_trackers(stories, rules, DOMAIN)
    return MLPolicy(**config).fit(trackers + augmented_trackers(trackers, 5), DOMAIN)


def conversation(*turns: tuple[str, list[str]]) -> DialogueStateTracker:
    tracker = DialogueStateTracker("c", DOMAIN.slots)
    for intent, actions in turns:
        tracker.update(ActionExecuted("action_listen"))
        tracker.update(UserUttered(None, {"intent": {"name": intent, "confidence": 1.0}}))
        for action in actions:
            tracker.update(ActionExecuted(action))
    return tracker


def best(policy: MLPolicy, tracker: DialogueStateTracker) -> tuple[str, float]:
    prediction = policy.predict(tracker, DOMAIN)
    return DOMAIN.action_names[prediction.max_index], prediction.max_confidence


def test_learns_the_stories_and_generalizes_to_an_unseen_opening() -> None:
    policy = trained()
    assert best(policy, conversation(("greet", [])))[0] == "utter_greet"
    assert best(policy, conversation(("greet", ["utter_greet"]), ("mood_unhappy", [])))[0] == "utter_cheer_up"
    assert best(policy, conversation(("greet", ["utter_greet"]), ("mood_great", ["utter_happy"])))[0] == "action_listen"
    # Never seen: a sad user without a greeting first. Memoization would have no answer.
    action, confidence = best(policy, conversation(("mood_unhappy", [])))
    assert action == "utter_cheer_up" and confidence > 0.5


def test_slots_feed_the_states() -> None:
    policy = trained()
    tracker = conversation(("inform", []))
    tracker.update(SlotSet("city", "Rome"))
    assert best(policy, tracker)[0] == "utter_city"


def test_persisted_policy_predicts_the_same_without_pickles(tmp_path: Path) -> None:
    policy = trained(policy_name="TEDPolicy")
    policy.persist(tmp_path)
    assert (tmp_path / WEIGHTS_FILE).exists()
    loaded = MLPolicy.load(tmp_path)
    for tracker in (conversation(("greet", [])), conversation(("mood_unhappy", [])), conversation()):
        before, after = policy.predict(tracker, DOMAIN), loaded.predict(tracker, DOMAIN)
        assert before.probabilities == after.probabilities
        assert after.policy_name == "TEDPolicy" and after.priority == 1


def test_ted_in_config_is_served_by_the_ml_policy_and_named_as_rasa() -> None:
    stories, rules = tiny_data()
    ensemble = PolicyEnsemble.from_config([{"name": "TEDPolicy", "max_history": 3, "epochs": 1}])
    ensemble.fit(stories, rules, DOMAIN)
    prediction = ensemble.predict(conversation(("mood_unhappy", [])), DOMAIN)
    assert (prediction.action, prediction.policy) == ("utter_cheer_up", "TEDPolicy")
    assert ensemble.policies[0].max_history == 3


def test_augmentation_glues_stories_that_start_with_a_user_turn() -> None:
    stories, rules = tiny_data()
    trackers = training_trackers(stories, rules, DOMAIN)
    glued = augmented_trackers(trackers, 2)
    assert len(glued) == 20 and all(t.is_augmented and not t.is_rule_tracker for t in glued)
    users = [sum(isinstance(e, UserUttered) for e in t.events) for t in glued]
    assert min(users) >= 2
    assert augmented_trackers(trackers, 0) == []
