"""Memoization: exact replay, max_history, conflicts, augmented recall."""
from __future__ import annotations

from pathlib import Path

from engine.conversation.domain import Domain
from engine.conversation.events import ActionExecuted, DefinePrevUserUtteredFeaturization, Event, UserUttered
from engine.conversation.tracker import DialogueStateTracker
from engine.dialogue.policies.base import Policy
from engine.dialogue.policies.memoization import AugmentedMemoizationPolicy, MemoizationPolicy
from engine.dialogue.story_trackers import story_trackers
from tests.engine.dialogue.helpers import stories_from_yaml

DOMAIN = Domain.from_dict(
    {
        "intents": ["greet", "ask", "thanks", "other"],
        "responses": {f"utter_{n}": [{"text": n}] for n in ("greet", "answer", "welcome", "x", "y")},
    }
)
STORIES = stories_from_yaml(
    """
stories:
- story: greet then ask
  steps:
  - intent: greet
  - action: utter_greet
  - intent: ask
  - action: utter_answer
  - intent: thanks
  - action: utter_welcome
"""
)


def conversation(*intents: str) -> DialogueStateTracker:
    """A tracker as the processor leaves it after the last user message."""
    tracker = DialogueStateTracker("c", DOMAIN.slots)
    replies = {"greet": "utter_greet", "ask": "utter_answer", "thanks": "utter_welcome", "other": "utter_x"}
    events: list[Event] = [ActionExecuted("action_listen")]
    for i, intent in enumerate(intents):
        events.append(UserUttered(intent, {"intent": {"name": intent, "confidence": 0.8}}))
        if i < len(intents) - 1:
            events += [DefinePrevUserUtteredFeaturization(False), ActionExecuted(replies[intent]), ActionExecuted("action_listen")]
    for event in events:
        tracker.update(event)
    return tracker


def predicted(policy: Policy, tracker: DialogueStateTracker) -> str | None:
    prediction = policy.predict(tracker, DOMAIN)
    if prediction.max_confidence == 0:
        return None
    return DOMAIN.action_names[prediction.max_index]


def test_memorized_story_is_replayed_with_full_confidence() -> None:
    policy = MemoizationPolicy().fit(story_trackers(STORIES, DOMAIN), DOMAIN)
    assert predicted(policy, conversation("greet")) == "utter_greet"
    assert predicted(policy, conversation("greet", "ask")) == "utter_answer"
    assert policy.predict(conversation("greet"), DOMAIN).max_confidence == 1.0
    # Unbounded history: the same turn after another opening is unknown.
    assert predicted(policy, conversation("ask")) is None


def test_max_history_only_looks_at_recent_turns() -> None:
    policy = MemoizationPolicy(max_history=2).fit(story_trackers(STORIES, DOMAIN), DOMAIN)
    assert predicted(policy, conversation("other", "ask", "thanks")) == "utter_welcome"
    assert predicted(policy, conversation("other", "thanks")) is None


def test_nlu_confidence_as_score() -> None:
    policy = MemoizationPolicy(use_nlu_confidence_as_score=True).fit(story_trackers(STORIES, DOMAIN), DOMAIN)
    assert policy.predict(conversation("greet"), DOMAIN).max_confidence == 0.8


def test_contradicting_stories_are_forgotten() -> None:
    stories = stories_from_yaml(
        """
stories:
- story: a
  steps:
  - intent: greet
  - action: utter_x
- story: b
  steps:
  - intent: greet
  - action: utter_y
"""
    )
    policy = MemoizationPolicy().fit(story_trackers(stories, DOMAIN), DOMAIN)
    assert predicted(policy, conversation("greet")) is None


def test_augmented_memoization_forgets_old_turns_until_it_recalls() -> None:
    policy = AugmentedMemoizationPolicy().fit(story_trackers(STORIES, DOMAIN), DOMAIN)
    tracker = conversation("other", "other", "greet", "ask")
    assert predicted(MemoizationPolicy().fit(story_trackers(STORIES, DOMAIN), DOMAIN), tracker) is None
    assert predicted(policy, tracker) == "utter_answer"


def test_persist_and_load_round_trip(tmp_path: Path) -> None:
    policy = AugmentedMemoizationPolicy(max_history=3).fit(story_trackers(STORIES, DOMAIN), DOMAIN)
    policy.persist(tmp_path)
    loaded = AugmentedMemoizationPolicy.load(tmp_path)
    assert loaded.config == policy.config and loaded.lookup_ == policy.lookup_
    assert predicted(loaded, conversation("greet")) == "utter_greet"
