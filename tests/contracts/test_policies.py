"""Every policy, run on the same trackers, keeps the policy contract."""
from __future__ import annotations

from pathlib import Path

import pytest

from engine.conversation.events import ActionExecuted, UserUttered
from engine.conversation.tracker import DialogueStateTracker
from engine.dialogue.ensemble import POLICY_CLASSES
from engine.dialogue.policies.base import Policy
from engine.dialogue.story_trackers import training_trackers
from tests.engine.dialogue.helpers import tiny_data, tiny_domain

DOMAIN = tiny_domain()
STORY_POLICIES = {"MemoizationPolicy", "AugmentedMemoizationPolicy", "MLPolicy"}


def conversation(*turns: tuple[str, list[str]]) -> DialogueStateTracker:
    tracker = DialogueStateTracker("c", DOMAIN.slots)
    for intent, actions in turns:
        tracker.update(ActionExecuted("action_listen"))
        tracker.update(UserUttered(None, {"intent": {"name": intent, "confidence": 1.0}}))
        for action in actions:
            tracker.update(ActionExecuted(action))
    return tracker


TRACKERS = {
    "empty": conversation(),
    "story start": conversation(("greet", [])),
    "story middle": conversation(("greet", ["utter_greet"]), ("mood_unhappy", [])),
    "after a bot turn": conversation(("greet", ["utter_greet"])),
    "rule": conversation(("goodbye", [])),
    "unknown": conversation(("affirm", ["utter_happy"]), ("deny", [])),
}


@pytest.fixture(scope="module", params=sorted(POLICY_CLASSES))
def policy(request: pytest.FixtureRequest) -> Policy:
    stories, rules = tiny_data()
    trackers = training_trackers(stories, rules, DOMAIN)
    return POLICY_CLASSES[request.param]().fit(trackers, DOMAIN)


@pytest.mark.parametrize("name", sorted(TRACKERS))
def test_scores_every_action_between_zero_and_one(policy: Policy, name: str) -> None:
    prediction = policy.predict(TRACKERS[name].copy(), DOMAIN)
    assert len(prediction.probabilities) == len(DOMAIN.action_names)
    assert all(0.0 <= p <= 1.0 for p in prediction.probabilities)
    assert prediction.priority == policy.priority and prediction.policy_name


def test_prediction_does_not_change_the_tracker(policy: Policy) -> None:
    tracker = TRACKERS["story middle"].copy()
    before = [e.as_dict() for e in tracker.events]
    policy.predict(tracker, DOMAIN)
    assert [e.as_dict() for e in tracker.events] == before


def test_follows_what_it_learned(policy: Policy) -> None:
    if policy.name in STORY_POLICIES:
        expected = {"story start": "utter_greet", "story middle": "utter_cheer_up", "after a bot turn": "action_listen"}
    else:
        expected = {"rule": "utter_goodbye"}
    for name, action in expected.items():
        prediction = policy.predict(TRACKERS[name].copy(), DOMAIN)
        assert DOMAIN.action_names[prediction.max_index] == action, name


def test_persisted_policy_predicts_the_same(policy: Policy, tmp_path: Path) -> None:
    policy.persist(tmp_path)
    loaded = type(policy).load(tmp_path)
    for tracker in TRACKERS.values():
        assert loaded.predict(tracker.copy(), DOMAIN).probabilities == pytest.approx(
            policy.predict(tracker.copy(), DOMAIN).probabilities
        )
