"""Default actions return exactly Rasa's events; names resolve to actions."""
from __future__ import annotations

import pytest

from engine.actions.base import ActionNotFound, ActionUnavailable
from engine.actions.builtin import SessionStartAction, action_for_name
from engine.actions.responses import ResponseAction, RetrievalResponseAction, TemplatedResponseGenerator
from engine.conversation.domain import Domain
from engine.conversation.events import ActionExecuted, ActiveLoop, SlotSet, UserUttered
from engine.conversation.tracker import DialogueStateTracker

RAW = {
    "intents": ["greet", "chitchat"],
    "slots": {"name": {"type": "text", "mappings": []}},
    "responses": {
        "utter_default": [{"text": "Sorry?"}],
        "utter_back": [{"text": "Going back"}],
        "utter_chitchat/ask_name": [{"text": "I am Parley"}],
    },
    "actions": ["action_custom"],
    "e2e_actions": ["Hello there!"],
}
DOMAIN = Domain.from_dict(RAW)
NLG = TemplatedResponseGenerator(DOMAIN.responses)


def run(name: str, tracker: DialogueStateTracker | None = None, domain: Domain = DOMAIN) -> list[dict]:
    tracker = tracker or DialogueStateTracker("c", domain.slots)
    action = action_for_name(name, domain)
    return [{k: v for k, v in e.as_dict().items() if k != "timestamp"} for e in action.run(tracker, domain, NLG, None)]


def test_session_start_event_order_carries_slots_and_metadata() -> None:
    tracker = DialogueStateTracker("c", DOMAIN.slots)
    tracker.update(ActionExecuted("action_listen"))
    tracker.update(SlotSet("name", "Ana", metadata={"model_id": "old"}))
    events = SessionStartAction({"channel": "web"}).run(tracker, DOMAIN, NLG, None)
    assert [e.type_name for e in events] == ["session_started", "slot", "slot", "action"]
    assert events[1].as_dict()["metadata"] == {"model_id": "old"}
    assert (events[1].name, events[1].value) == ("name", "Ana")
    assert (events[2].name, events[2].value) == ("session_started_metadata", {"channel": "web"})
    assert events[3].action_name == "action_listen"


def test_session_start_without_carry_over() -> None:
    domain = Domain.from_dict({**RAW, "session_config": {"carry_over_slots_to_new_session": False}})
    tracker = DialogueStateTracker("c", domain.slots)
    tracker.update(SlotSet("name", "Ana"))
    assert [e["event"] for e in run("action_session_start", tracker, domain)] == ["session_started", "action"]


def test_restart_without_utter_restart_only_restarts() -> None:
    assert run("action_restart") == [{"event": "restart"}]


def test_default_fallback_utters_default_then_rewinds() -> None:
    events = run("action_default_fallback")
    assert [e["event"] for e in events] == ["bot", "rewind"]
    assert events[0]["text"] == "Sorry?" and events[0]["metadata"] == {"utter_action": "utter_default"}


def test_back_utters_then_rewinds_twice() -> None:
    assert [e["event"] for e in run("action_back")] == ["bot", "rewind", "rewind"]


def test_deactivate_loop_and_listen() -> None:
    assert run("action_deactivate_loop") == [
        {"event": "active_loop", "name": None},
        {"event": "slot", "name": "requested_slot", "value": None},
    ]
    assert run("action_listen") == []
    assert run("action_default_ask_rephrase") == []


def test_ask_affirmation_uses_second_intent_after_nlu_fallback() -> None:
    tracker = DialogueStateTracker("c", DOMAIN.slots)
    tracker.update(
        UserUttered(
            "hmm",
            {
                "intent": {"name": "nlu_fallback", "confidence": 0.3},
                "intent_ranking": [{"name": "nlu_fallback"}, {"name": "greet"}],
            },
        )
    )
    [event] = run("action_default_ask_affirmation", tracker)
    assert event["text"] == "Did you mean 'greet'?"
    assert event["data"]["buttons"] == [
        {"title": "Yes", "payload": "/greet"},
        {"title": "No", "payload": "/out_of_scope"},
    ]
    assert event["metadata"] == {"utter_action": "action_default_ask_affirmation"}


def test_retrieval_action_utters_the_selected_response() -> None:
    tracker = DialogueStateTracker("c", DOMAIN.slots)
    selector = {"chitchat": {"response": {"utter_action": "utter_chitchat/ask_name", "responses": [{"text": "x"}]}}}
    tracker.update(UserUttered("name?", {"intent": {"name": "chitchat"}, "response_selector": selector}))
    [event] = run("utter_chitchat", tracker)
    assert event["text"] == "I am Parley"
    assert event["metadata"] == {"utter_action": "utter_chitchat/ask_name"}


def test_action_for_name_resolution() -> None:
    assert isinstance(action_for_name("utter_default", DOMAIN), ResponseAction)
    assert isinstance(action_for_name("utter_chitchat", DOMAIN), RetrievalResponseAction)
    e2e = action_for_name("Hello there!", DOMAIN)
    assert e2e.event_for_successful_execution("RulePolicy", 1.0).as_dict()["action_text"] == "Hello there!"
    with pytest.raises(ActionUnavailable):
        action_for_name("action_custom", DOMAIN)
    with pytest.raises(ActionNotFound):
        action_for_name("action_unknown", DOMAIN)
    with pytest.raises(ActionNotFound):
        action_for_name("...", DOMAIN)


def test_overridden_default_action_goes_to_the_custom_factory() -> None:
    domain = Domain.from_dict({"actions": ["action_default_fallback"]})
    with pytest.raises(ActionUnavailable):
        action_for_name("action_default_fallback", domain)
    marker = ResponseAction("x")
    assert action_for_name("action_default_fallback", domain, lambda name: marker) is marker


def test_loop_events_from_deactivation_apply_to_tracker() -> None:
    tracker = DialogueStateTracker("c", DOMAIN.slots)
    tracker.update(ActiveLoop("f"))
    for event in action_for_name("action_deactivate_loop", DOMAIN).run(tracker, DOMAIN, NLG, None):
        tracker.update(event)
    assert tracker.active_loop is None


def test_revert_fallback_events_after_affirmation_and_after_rephrasing() -> None:
    from engine.actions.builtin import RevertFallbackEventsAction
    from engine.conversation.domain import Domain
    from engine.conversation.events import ActionExecuted, UserUttered, UserUtteranceReverted
    from engine.conversation.tracker import DialogueStateTracker

    domain = Domain.from_dict({"intents": ["greet"]})

    def tracker_with(*steps: str) -> DialogueStateTracker:
        t = DialogueStateTracker("u", domain.slots)
        for step in steps:
            t.update(ActionExecuted("action_listen"))
            if step.startswith("action_"):
                t.events.pop()
                t.update(ActionExecuted(step))
            else:
                t.update(UserUttered(step, {"intent": {"name": step, "confidence": 0.4}}))
        return t

    action = RevertFallbackEventsAction()
    affirmed = action.run(tracker_with("greet", "action_default_ask_affirmation", "greet"), domain, None, None)
    assert [type(e).__name__ for e in affirmed] == [
        "UserUtteranceReverted", "UserUtteranceReverted", "ActionExecuted", "UserUttered"]
    assert affirmed[-1].intent["confidence"] == 1.0
    rephrased = action.run(tracker_with("x", "action_default_ask_rephrase", "greet"), domain, None, None)
    assert sum(isinstance(e, UserUtteranceReverted) for e in rephrased) == 3
    assert rephrased[-1].text == "greet"
    assert action.run(tracker_with("greet"), domain, None, None) == []
