"""Tracker copies and applied events kept incrementally match a full replay."""
from __future__ import annotations

from engine.conversation.domain import Domain
from engine.conversation.events import (
    ActionExecuted,
    ActionExecutionRejected,
    ActionReverted,
    ActiveLoop,
    Event,
    FollowupAction,
    Restarted,
    SlotSet,
    UserUttered,
    UserUtteranceReverted,
)
from engine.conversation.tracker import DialogueStateTracker

DOMAIN = Domain.from_dict(
    {
        "intents": ["greet", "inform"],
        "slots": {"city": {"type": "text", "mappings": []}, "tags": {"type": "list", "mappings": []}},
        "forms": {"f": {"required_slots": ["city"]}},
    }
)


def user(intent: str) -> UserUttered:
    return UserUttered(intent, {"intent": {"name": intent, "confidence": 1.0}, "entities": []})


# A conversation with loop runs, a rejection, rewinds, an undo and a restart.
STEPS: list[Event] = [
    ActionExecuted("action_listen"), user("greet"), ActionExecuted("utter_greet"), ActionExecuted("action_listen"),
    user("inform"), ActionExecuted("f"), ActiveLoop("f"), SlotSet("tags", ["a"]), ActionExecuted("action_listen"),
    user("inform"), ActionExecuted("f"), ActionExecuted("action_listen"), user("greet"),
    ActionExecutionRejected("f"), ActionExecuted("utter_greet"), ActionReverted(), ActionExecuted("f"),
    SlotSet("city", "Rome"), ActiveLoop(None), ActionExecuted("action_listen"), user("greet"),
    UserUtteranceReverted(), FollowupAction("utter_greet"), Restarted(), ActionExecuted("action_listen"),
    user("greet"),
]


def replayed(tracker: DialogueStateTracker) -> DialogueStateTracker:
    return DialogueStateTracker.from_events(tracker.sender_id, tracker.events, DOMAIN.slots)


def snapshot(tracker: DialogueStateTracker) -> dict:
    return {
        "slots": {name: (slot.value, slot.has_been_set) for name, slot in tracker.slots.items()},
        "paused": tracker.paused,
        "latest_action": tracker.latest_action,
        "latest_message": tracker.latest_message.as_dict(),
        "latest_bot": tracker.latest_bot_utterance.as_dict(),
        "followup": tracker.followup_action,
        "active_loop": tracker.active_loop,
        "events": [e.as_dict() for e in tracker.events],
    }


def test_applied_events_extended_event_by_event_equal_a_fresh_computation() -> None:
    tracker = DialogueStateTracker("c", DOMAIN.slots)
    for event in STEPS:
        tracker.update(event)
        assert tracker.applied_events() == replayed(tracker).applied_events()


def test_copy_is_the_replayed_tracker_at_every_step() -> None:
    tracker = DialogueStateTracker("c", DOMAIN.slots)
    for event in STEPS:
        tracker.update(event)
        assert snapshot(tracker.copy()) == snapshot(replayed(tracker))


def test_copy_restores_a_followup_consumed_without_an_event_as_a_replay_does() -> None:
    tracker = DialogueStateTracker.from_events("c", [ActionExecuted("action_listen"), user("greet"),
                                                     FollowupAction("utter_greet")], DOMAIN.slots)
    tracker.followup_action = None  # the processor consumes follow-ups this way
    assert tracker.copy().followup_action == replayed(tracker).followup_action == "utter_greet"


def test_copy_is_independent_of_the_original() -> None:
    tracker = DialogueStateTracker.from_events("c", [SlotSet("tags", ["a"])], DOMAIN.slots)
    clone = tracker.copy()
    clone.slots["tags"].value.append("b")
    clone.update(SlotSet("city", "Oslo"))
    assert tracker.get_slot("tags") == ["a"] and tracker.get_slot("city") is None
    assert len(tracker.events) == 1
