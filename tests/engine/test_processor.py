"""End-to-end turns through MessageProcessor with a fake NLU parse."""
from __future__ import annotations

import random
from typing import Any

import pytest

from engine.conversation.domain import Domain
from engine.conversation.events import ConversationPaused, Event
from engine.conversation.tracker import DialogueStateTracker
from engine.dialogue.ensemble import PolicyEnsemble
from engine.dialogue.policies.base import Policy, PolicyPrediction
from engine.errors import Conflict, NotFound
from engine.processor import MessageProcessor
from tests.engine.dialogue.helpers import tiny_data, tiny_domain

DOMAIN = tiny_domain()
INTENTS = {
    "hi": "greet",
    "great": "mood_great",
    "sad": "mood_unhappy",
    "yes": "affirm",
    "no": "deny",
    "bye": "goodbye",
    "bot?": "bot_challenge",
    "Rome": "inform",
    "/restart": "restart",
    "huh": "unknown_thing",
}


def parse(text: str, message_id: str | None) -> dict[str, Any]:
    entities = [{"entity": "city", "value": "Rome", "start": 0, "end": 4}] if text == "Rome" else []
    return {"text": text, "intent": {"name": INTENTS[text], "confidence": 0.95}, "entities": entities, "intent_ranking": []}


class Clock:
    """A controllable time source."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        self.now += 0.001
        return self.now


@pytest.fixture(scope="module")
def ensemble() -> PolicyEnsemble:
    stories, rules = tiny_data()
    # No ML policy: these tests pin the memoization, fallback and rule behaviour.
    config = [{"name": "MemoizationPolicy"}, {"name": "RulePolicy"},
              {"name": "AugmentedMemoizationPolicy", "priority": 1, "max_history": 5}]
    return PolicyEnsemble.from_config(config).fit(stories, rules, DOMAIN)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def processor(ensemble: PolicyEnsemble, clock: Clock) -> MessageProcessor:
    return MessageProcessor(DOMAIN, ensemble, parse, "model-1", clock=clock, rng=random.Random(1))


def texts(messages: list[dict[str, Any]]) -> list[str | None]:
    return [m.get("text") for m in messages]


def summary(events: list[Event]) -> list[tuple]:
    out = []
    for e in events:
        data = e.as_dict()
        out.append((data["event"], data.get("name") or data.get("text"), data.get("policy")))
    return out


def test_first_message_starts_a_session_and_greets(processor: MessageProcessor) -> None:
    tracker = DialogueStateTracker("u1", DOMAIN.slots)
    messages = processor.handle_message(tracker, "hi", message_id="m-1", metadata={"lang": "en"})
    assert messages == [{"text": "Hey! How are you?"}]
    assert summary(tracker.events) == [
        ("action", "action_session_start", None),
        ("session_started", None, None),
        ("slot", "session_started_metadata", None),
        ("action", "action_listen", None),
        ("user", "hi", None),
        ("user_featurization", None, None),
        ("action", "utter_greet", "MemoizationPolicy"),
        ("bot", "Hey! How are you?", None),
        ("action", "action_listen", "MemoizationPolicy"),
    ]
    assert all(e.metadata.get("model_id") == "model-1" for e in tracker.events)
    stamps = [e.timestamp for e in tracker.events]
    assert stamps == sorted(stamps) and stamps[0] > 1_000.0
    user = tracker.events[4].as_dict()
    assert user["input_channel"] == "rest" and user["message_id"] == "m-1"
    assert user["metadata"] == {"lang": "en", "model_id": "model-1"}
    assert user["parse_data"]["metadata"] == {"lang": "en"}
    assert tracker.get_slot("session_started_metadata") == {"lang": "en"}
    assert tracker.events[0].as_dict()["confidence"] == 1.0
    assert tracker.events[6].as_dict()["confidence"] == 1.0


def test_a_whole_sad_conversation_sends_rasas_texts(processor: MessageProcessor) -> None:
    tracker = DialogueStateTracker("u2", DOMAIN.slots)
    assert texts(processor.handle_message(tracker, "hi")) == ["Hey! How are you?"]
    sad = processor.handle_message(tracker, "sad")
    assert sad == [
        {"text": "Here is something to cheer you up:", "image": "https://i.imgur.com/nGF1K8f.jpg"},
        {"text": "Did that help you?"},
    ]
    assert texts(processor.handle_message(tracker, "bot?")) == ["I am a bot, powered by Parley."]
    assert texts(processor.handle_message(tracker, "no")) == ["Bye"]
    assert texts(processor.handle_message(tracker, "bye")) == ["Bye"]


def test_entity_fills_slot_and_response_uses_it(processor: MessageProcessor) -> None:
    tracker = DialogueStateTracker("u3", DOMAIN.slots)
    assert texts(processor.handle_message(tracker, "Rome")) == ["Rome is lovely."]
    assert tracker.get_slot("city") == "Rome"


def test_unknown_intent_falls_back_and_rewinds(processor: MessageProcessor) -> None:
    tracker = DialogueStateTracker("u4", DOMAIN.slots)
    processor.handle_message(tracker, "hi")
    before = len(tracker.events)
    assert texts(processor.handle_message(tracker, "huh")) == ["Sorry, I didn't get that."]
    new = summary(tracker.events[before:])
    assert new[2] == ("action", "action_default_fallback", "RulePolicy")
    assert new[3:5] == [("bot", "Sorry, I didn't get that.", None), ("rewind", None, None)]
    assert new[-1][:2] == ("action", "action_listen")
    assert tracker.events[before + 2].as_dict()["confidence"] == 0.3
    # The fallback turn is gone: the story continues where it was.
    assert texts(processor.handle_message(tracker, "great")) == ["Great, carry on!"]


def test_restart_runs_session_start_as_followup(processor: MessageProcessor) -> None:
    tracker = DialogueStateTracker("u5", DOMAIN.slots)
    processor.handle_message(tracker, "Rome")
    before = len(tracker.events)
    processor.handle_message(tracker, "/restart")
    assert summary(tracker.events[before:])[2:] == [
        ("action", "action_restart", "RulePolicy"),
        ("restart", None, None),
        ("action", "action_session_start", "followup_action"),
        ("session_started", None, None),
        ("action", "action_listen", None),
    ]
    assert tracker.get_slot("city") is None


def test_expired_session_starts_a_new_one_carrying_slots(processor: MessageProcessor, clock: Clock) -> None:
    tracker = DialogueStateTracker("u6", DOMAIN.slots)
    processor.handle_message(tracker, "Rome")
    before = len(tracker.events)
    processor.handle_message(tracker, "hi")
    assert tracker.events[before].as_dict()["event"] == "user"
    clock.now += 61 * 60
    before = len(tracker.events)
    assert texts(processor.handle_message(tracker, "hi")) == ["Hey! How are you?"]
    assert summary(tracker.events[before:])[:4] == [
        ("action", "action_session_start", None),
        ("session_started", None, None),
        ("slot", "city", None),
        ("action", "action_listen", None),
    ]
    assert tracker.get_slot("city") == "Rome"


def test_ensure_session_only_when_needed(processor: MessageProcessor) -> None:
    tracker = DialogueStateTracker("u7", DOMAIN.slots)
    processor.ensure_session(tracker)
    assert [e.type_name for e in tracker.events] == ["action", "session_started", "action"]
    processor.ensure_session(tracker)
    assert len(tracker.events) == 3


def test_paused_conversation_logs_but_does_not_answer(processor: MessageProcessor) -> None:
    tracker = DialogueStateTracker("u8", DOMAIN.slots)
    processor.handle_message(tracker, "hi")
    tracker.update(ConversationPaused())
    assert processor.handle_message(tracker, "great") == []
    assert tracker.events[-1].type_name == "user"
    processor.handle_message(tracker, "/restart")
    assert any(e.as_dict().get("name") == "action_restart" for e in tracker.events)


class Looping(Policy):
    """Always wants to greet again."""

    def predict(self, tracker: DialogueStateTracker, domain: Domain) -> PolicyPrediction:
        return self.prediction(domain, {"utter_greet": 1.0})


def test_circuit_breaker_stops_after_max_predictions(clock: Clock) -> None:
    processor = MessageProcessor(DOMAIN, PolicyEnsemble([Looping()]), parse, "m", clock=clock, max_predictions=4)
    tracker = DialogueStateTracker("u9", DOMAIN.slots)
    messages = processor.handle_message(tracker, "hi")
    assert texts(messages) == ["Hey! How are you?"] * 4
    assert tracker.events[-1].type_name == "bot"


class CallsCustomAction(Policy):
    """Predicts a custom action once, then listens."""

    def predict(self, tracker: DialogueStateTracker, domain: Domain) -> PolicyPrediction:
        action = "action_listen" if tracker.latest_action_name == "action_check" else "action_check"
        return self.prediction(domain, {action: 1.0})


def test_unavailable_custom_action_is_logged_without_events(clock: Clock) -> None:
    domain = Domain.from_dict({"intents": ["greet"], "actions": ["action_check"]})
    processor = MessageProcessor(domain, PolicyEnsemble([CallsCustomAction()]), lambda t, m: {"intent": {"name": "greet"}}, "m", clock=clock)
    tracker = DialogueStateTracker("u10", domain.slots)
    assert processor.handle_message(tracker, "x") == []
    assert summary(tracker.events)[-2:] == [("action", "action_check", "Policy"), ("action", "action_listen", "Policy")]


def test_nlu_only_model_refuses_conversations() -> None:
    processor = MessageProcessor(DOMAIN, None, parse, "m")
    with pytest.raises(Conflict, match="NLU-only"):
        processor.handle_message(DialogueStateTracker("u11", DOMAIN.slots), "hi")


def test_trigger_intent_execute_and_predict(processor: MessageProcessor) -> None:
    tracker = DialogueStateTracker("u12", DOMAIN.slots)
    assert texts(processor.trigger_intent(tracker, "greet")) == ["Hey! How are you?"]
    user = next(e.as_dict() for e in tracker.events if e.type_name == "user")
    assert user["text"] == "EXTERNAL: greet" and user["metadata"]["is_external"] is True
    assert user["parse_data"]["metadata"] == {"is_external": True}
    with pytest.raises(NotFound):
        processor.trigger_intent(tracker, "no_such_intent")
    assert texts(processor.execute_action(tracker, "utter_happy")) == ["Great, carry on!"]
    executed = tracker.events[-2].as_dict()
    assert (executed["name"], executed["policy"], executed["confidence"]) == ("utter_happy", None, 0.0)
    count = len(tracker.events)
    prediction = processor.predict_next(tracker)
    assert (prediction.action, prediction.policy) == ("action_default_fallback", "RulePolicy")
    assert len(prediction.scores) == len(DOMAIN.action_names)
    assert len(tracker.events) == count
