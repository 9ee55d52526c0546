"""Event JSON: exact field sets, round trips, legacy names and bad input."""
from __future__ import annotations

import pytest

from engine.conversation.events import (
    ActionExecuted,
    ActiveLoop,
    BotUttered,
    LoopInterrupted,
    UserUttered,
    event_from_dict,
    events_from_dicts,
)
from engine.errors import BadRequest

TS = 1700000000.5
META = {"model_id": "m1"}

# One example per event type, as Rasa serializes it.
EXAMPLES = [
    {
        "event": "user",
        "timestamp": TS,
        "metadata": META,
        "text": "hi",
        "parse_data": {
            "intent": {"name": "greet", "confidence": 0.9},
            "entities": [{"entity": "name", "value": "Ana", "start": 0, "end": 3}],
            "text": "hi",
            "message_id": "abc",
            "metadata": {},
            "intent_ranking": [{"name": "greet", "confidence": 0.9}],
        },
        "input_channel": "rest",
        "message_id": "abc",
    },
    {"event": "user_featurization", "timestamp": TS, "use_text_for_featurization": False},
    {"event": "entities", "timestamp": TS, "entities": [{"entity": "city", "value": "Rome"}]},
    {
        "event": "bot",
        "timestamp": TS,
        "metadata": {"utter_action": "utter_greet"},
        "text": "Hey",
        "data": {"elements": None, "quick_replies": None, "buttons": None, "attachment": None, "image": None, "custom": None},
    },
    {"event": "slot", "timestamp": TS, "name": "city", "value": "Rome"},
    {"event": "restart", "timestamp": TS},
    {"event": "rewind", "timestamp": TS},
    {"event": "reset_slots", "timestamp": TS},
    {"event": "undo", "timestamp": TS},
    {
        "event": "reminder",
        "timestamp": TS,
        "intent": "remind",
        "date_time": "2024-05-01T10:00:00+00:00",
        "entities": [{"entity": "x", "value": 1}],
        "name": "r1",
        "kill_on_user_msg": False,
    },
    {"event": "cancel_reminder", "timestamp": TS},
    {"event": "followup", "timestamp": TS, "name": "utter_greet"},
    {"event": "pause", "timestamp": TS},
    {"event": "resume", "timestamp": TS},
    {
        "event": "action",
        "timestamp": TS,
        "metadata": META,
        "name": "utter_greet",
        "policy": "RulePolicy",
        "confidence": 1.0,
        "action_text": None,
        "hide_rule_turn": True,
    },
    {"event": "agent", "timestamp": TS, "text": "x", "data": None},
    {"event": "active_loop", "timestamp": TS, "name": "booking_form"},
    {"event": "loop_interrupted", "timestamp": TS, "is_interrupted": True},
    {"event": "action_execution_rejected", "timestamp": TS, "name": "f", "policy": None, "confidence": 0.5},
    {"event": "session_started", "timestamp": TS, "metadata": META},
    {"event": "export", "timestamp": TS},
    {"event": "flow_started", "timestamp": TS, "flow_id": "f1"},
]


@pytest.mark.parametrize("example", EXAMPLES, ids=[e["event"] for e in EXAMPLES])
def test_every_event_type_round_trips_exactly(example: dict) -> None:
    assert event_from_dict(example).as_dict() == example


def test_metadata_is_only_emitted_when_non_empty_except_user_and_bot() -> None:
    assert "metadata" not in event_from_dict({"event": "slot", "timestamp": TS, "name": "a", "value": 1}).as_dict()
    assert UserUttered("hi").as_dict()["metadata"] == {}
    assert BotUttered("hi").as_dict()["metadata"] == {}


def test_user_event_reads_intent_and_entities_from_parse_data_only() -> None:
    event = event_from_dict(
        {"event": "user", "text": "hi", "intent": {"name": "wrong"}, "parse_data": {"intent": {"name": "greet"}}}
    )
    assert event.intent_name == "greet"
    assert event.as_dict()["parse_data"] == {
        "intent": {"name": "greet"},
        "entities": [],
        "text": "hi",
        "message_id": None,
        "metadata": {},
    }


def test_bot_event_data_defaults_to_empty_dict() -> None:
    assert event_from_dict({"event": "bot", "timestamp": TS, "text": "x"}).as_dict() == {
        "event": "bot", "timestamp": TS, "metadata": {}, "text": "x", "data": {}
    }


def test_legacy_form_event_becomes_active_loop() -> None:
    event = event_from_dict({"event": "form", "timestamp": TS, "name": "booking_form"})
    assert isinstance(event, ActiveLoop)
    assert event.as_dict() == {"event": "active_loop", "timestamp": TS, "name": "booking_form"}


def test_legacy_form_validation_becomes_loop_interrupted() -> None:
    event = event_from_dict({"event": "form_validation", "timestamp": TS, "validate": False})
    assert isinstance(event, LoopInterrupted)
    assert event.as_dict() == {"event": "loop_interrupted", "timestamp": TS, "is_interrupted": True}


def test_missing_timestamp_is_stamped_now() -> None:
    event = event_from_dict({"event": "restart"})
    assert isinstance(event.timestamp, float) and event.timestamp > TS


def test_cancel_reminder_parses_its_fields_but_emits_none() -> None:
    event = event_from_dict({"event": "cancel_reminder", "timestamp": TS, "name": "r1", "intent": "x", "entities": {}})
    assert event.name == "r1"
    assert event.as_dict() == {"event": "cancel_reminder", "timestamp": TS}


def test_reminder_accepts_entity_shorthand_and_defaults() -> None:
    event = event_from_dict({"event": "reminder", "intent": "x", "date_time": "2024-05-01T10:00:00+00:00", "entities": {"a": 1}})
    data = event.as_dict()
    assert data["entities"] == [{"entity": "a", "value": 1}]
    assert data["kill_on_user_msg"] is True
    assert data["name"]


def test_action_event_defaults_hide_rule_turn_and_accepts_e2e_text() -> None:
    event = event_from_dict({"event": "action", "timestamp": TS, "action_text": "Hello!"})
    assert isinstance(event, ActionExecuted)
    assert event.as_dict()["hide_rule_turn"] is False
    assert event.as_sub_state() == {"action_text": "Hello!"}


@pytest.mark.parametrize(
    "bad",
    [
        {"event": "no_such_event"},
        {"event": "action", "timestamp": TS},
        {"event": "slot", "value": 1},
        {"event": "user", "timestamp": "yesterday"},
        {"event": "reminder", "intent": "x", "date_time": "not a date"},
        {"timestamp": TS},
        "user",
    ],
)
def test_invalid_events_are_bad_requests(bad: object) -> None:
    with pytest.raises(BadRequest):
        event_from_dict(bad)  # type: ignore[arg-type]


def test_unknown_type_error_lists_valid_types() -> None:
    with pytest.raises(BadRequest, match="Unknown event type 'nope'.*slot"):
        event_from_dict({"event": "nope"})


def test_event_list_skips_items_without_type_and_legacy_topic() -> None:
    events = events_from_dicts([{"event": "restart"}, {"text": "no type"}, {"event": "topic", "topic": "x"}])
    assert [e.type_name for e in events] == ["restart"]
