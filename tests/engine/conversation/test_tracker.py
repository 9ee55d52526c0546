"""Tracker state, applied events and the tracker JSON."""
from __future__ import annotations

import pytest

from engine.conversation.domain import Domain
from engine.conversation.events import (
    ActionExecuted,
    ActionExecutionRejected,
    ActionReverted,
    ActiveLoop,
    BotUttered,
    ConversationPaused,
    DefinePrevUserUtteredFeaturization,
    EntitiesAdded,
    Event,
    FollowupAction,
    LoopInterrupted,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUttered,
    UserUtteranceReverted,
)
from engine.conversation.tracker import DialogueStateTracker
from engine.errors import BadRequest

DOMAIN = Domain.from_dict(
    {
        "intents": ["greet", "inform"],
        "entities": ["city"],
        "slots": {"city": {"type": "text", "mappings": [{"type": "from_entity", "entity": "city"}]}},
        "forms": {"f": {"required_slots": ["city"]}},
        "responses": {"utter_greet": [{"text": "hi"}]},
    }
)


def user(intent: str, text: str = "text", ts: float = 1.0, entities: list | None = None) -> UserUttered:
    return UserUttered(text, {"intent": {"name": intent, "confidence": 1.0}, "entities": entities or []}, timestamp=ts)


def act(name: str, ts: float = 1.0) -> ActionExecuted:
    return ActionExecuted(name, timestamp=ts)


def tracker_with(*events: Event) -> DialogueStateTracker:
    return DialogueStateTracker.from_events("c1", events, DOMAIN.slots)


def names(events: list[Event]) -> list[str]:
    return [getattr(e, "action_name", None) or getattr(e, "name", None) or e.type_name for e in events]


def test_new_tracker_json_has_every_key_with_rasa_defaults() -> None:
    state = DialogueStateTracker("c1", DOMAIN.slots).current_state()
    assert state == {
        "sender_id": "c1",
        "slots": {"city": None, "requested_slot": None, "session_started_metadata": None},
        "latest_message": {"intent": {}, "entities": [], "text": None, "message_id": None, "metadata": {}},
        "latest_event_time": None,
        "followup_action": "action_listen",
        "paused": False,
        "events": [],
        "latest_input_channel": None,
        "active_loop": {},
        "latest_action": {},
        "latest_action_name": None,
    }


def test_verbosity_none_gives_null_events_and_bad_value_is_rejected() -> None:
    tracker = tracker_with(act("action_listen"))
    assert tracker.current_state("none")["events"] is None
    with pytest.raises(BadRequest):
        tracker.current_state("SOME")


def test_after_restart_and_applied_and_all_verbosity() -> None:
    tracker = tracker_with(act("action_listen"), user("greet"), Restarted(), act("action_session_start"), SessionStarted(), act("action_listen"))
    assert names([e for e in tracker.events_after_latest_restart()]) == ["action_session_start", "session_started", "action_listen"]
    assert [e["event"] for e in tracker.current_state("AFTER_RESTART")["events"]] == ["action", "session_started", "action"]
    assert len(tracker.current_state("ALL")["events"]) == 6
    assert [e["name"] for e in tracker.current_state("APPLIED")["events"]] == ["action_listen"]


def test_restart_and_session_start_clear_applied_events_and_state() -> None:
    tracker = tracker_with(act("action_listen"), user("greet"), SlotSet("city", "Rome"), Restarted())
    assert tracker.applied_events() == []
    assert tracker.get_slot("city") is None
    assert tracker.followup_action == "action_session_start"
    tracker.update(SlotSet("city", "Oslo"))
    tracker.update(SessionStarted())
    assert tracker.applied_events() == []
    assert tracker.followup_action == "action_listen"


def test_rewind_drops_last_user_message_and_the_listen_before_it() -> None:
    tracker = tracker_with(act("action_listen"), user("greet"), act("utter_greet"), act("action_listen"), user("inform"), UserUtteranceReverted())
    assert names(tracker.applied_events()) == ["action_listen", "user", "utter_greet"]
    assert tracker.latest_action_name == "utter_greet"
    assert tracker.latest_message.intent_name == "greet"


def test_undo_drops_the_last_action_and_what_followed() -> None:
    tracker = tracker_with(act("action_listen"), user("greet"), act("utter_greet"), BotUttered("hi"), ActionReverted())
    assert names(tracker.applied_events()) == ["action_listen", "user"]
    assert tracker.latest_action_name == "action_listen"


def test_repeated_loop_runs_collapse_keeping_slots() -> None:
    tracker = tracker_with(
        act("action_listen"),
        user("greet"),
        act("f"),
        ActiveLoop("f"),
        act("action_listen"),
        user("inform"),
        SlotSet("city", "Rome"),
        act("f"),
        act("action_listen"),
    )
    assert names(tracker.applied_events()) == ["action_listen", "user", "f", "f", "city", "action_listen"]


def test_loop_run_after_an_unhappy_path_is_kept() -> None:
    events = [act("action_listen"), user("greet"), act("f"), ActiveLoop("f"), act("action_listen"), user("greet"), act("utter_greet"), act("f")]
    assert names(tracker_with(*events).applied_events())[-2:] == ["utter_greet", "f"]
    rejected = events[:6] + [ActionExecutionRejected("f"), act("utter_greet"), act("f")]
    assert names(tracker_with(*rejected).applied_events())[-1] == "f"


def test_active_loop_state_flags() -> None:
    tracker = tracker_with(act("action_listen"), user("greet"), ActiveLoop("f"))
    assert tracker.current_state()["active_loop"] == {
        "name": "f",
        "is_interrupted": False,
        "rejected": False,
        "trigger_message": tracker.latest_message.parse_data,
    }
    tracker.update(ActionExecutionRejected("f"))
    tracker.update(LoopInterrupted(True))
    assert tracker.is_active_loop_rejected and tracker.is_active_loop_interrupted
    tracker.update(act("f"))
    assert not tracker.is_active_loop_rejected and not tracker.is_active_loop_interrupted
    tracker.update(ActiveLoop(None))
    assert tracker.current_state()["active_loop"] == {}


def test_followup_pause_and_latest_fields() -> None:
    tracker = tracker_with(act("action_listen"), FollowupAction("utter_greet"))
    assert tracker.followup_action == "utter_greet"
    tracker.update(UserUttered("hi", {"intent": {"name": "greet"}}, "rest", "m1", timestamp=5.0))
    assert tracker.followup_action is None
    tracker.update(ConversationPaused(timestamp=6.0))
    state = tracker.current_state()
    assert state["paused"] is True
    assert state["latest_input_channel"] == "rest"
    assert state["latest_event_time"] == 6.0
    assert state["latest_action_name"] == "action_listen"


def test_latest_message_has_live_entities_and_featurization_flag() -> None:
    tracker = tracker_with(act("action_listen"), user("inform", entities=[{"entity": "city", "value": "Rome"}]))
    tracker.update(EntitiesAdded([{"entity": "city", "value": "Oslo"}]))
    tracker.update(DefinePrevUserUtteredFeaturization(True))
    state = tracker.current_state()
    assert [e["value"] for e in state["latest_message"]["entities"]] == ["Rome", "Oslo"]
    assert tracker.latest_message.use_text_for_featurization is True
    # The stored user event itself is unchanged.
    assert len(tracker.events[1].as_dict()["parse_data"]["entities"]) == 1


def test_unknown_slots_are_ignored() -> None:
    tracker = tracker_with(SlotSet("nope", 1))
    assert "nope" not in tracker.current_slot_values()


def test_from_dicts_and_travel_back_in_time() -> None:
    dicts = [
        {"event": "action", "name": "action_listen", "timestamp": 1.0},
        {"event": "user", "text": "hi", "parse_data": {"intent": {"name": "greet"}}, "timestamp": 2.0},
        {"event": "slot", "name": "city", "value": "Rome", "timestamp": 3.0},
    ]
    tracker = DialogueStateTracker.from_dicts("c1", dicts, DOMAIN)
    assert tracker.get_slot("city") == "Rome"
    earlier = tracker.travel_back_in_time(2.0)
    assert len(earlier.events) == 2 and earlier.get_slot("city") is None
    assert [e.as_dict() for e in tracker.events] == [event.as_dict() for event in tracker.copy().events]
