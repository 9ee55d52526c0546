"""Slot filling after a user message: 3.x mappings and 2.x auto-fill."""
from __future__ import annotations

from engine.actions.slot_extraction import extract_slot_events
from engine.conversation.domain import Domain
from engine.conversation.events import ActiveLoop, SlotSet, UserUttered
from engine.conversation.tracker import DialogueStateTracker

DOMAIN = Domain.from_dict(
    {
        "intents": ["inform", "affirm", "deny", "chitchat"],
        "entities": ["city", "number"],
        "slots": {
            "to": {"type": "text", "mappings": [{"type": "from_entity", "entity": "city", "role": "to"}]},
            "cities": {"type": "list", "mappings": [{"type": "from_entity", "entity": "city"}]},
            "agreed": {
                "type": "bool",
                "mappings": [
                    {"type": "from_intent", "intent": "affirm", "value": True},
                    {"type": "from_intent", "intent": ["deny"], "value": False},
                ],
            },
            "note": {
                "type": "text",
                "mappings": [
                    {"type": "from_text", "not_intent": "chitchat", "conditions": [{"active_loop": "f", "requested_slot": "note"}]}
                ],
            },
            "seen": {"type": "any", "mappings": [{"type": "from_intent", "value": "yes"}]},
        },
        "forms": {"f": {"required_slots": ["note"]}},
    }
)


def after(text: str, intent: str, entities: list | None = None, *events: object) -> dict:
    tracker = DialogueStateTracker("c", DOMAIN.slots)
    for event in events:
        tracker.update(event)  # type: ignore[arg-type]
    tracker.update(UserUttered(text, {"intent": {"name": intent}, "entities": entities or []}))
    return {e.name: e.value for e in extract_slot_events(tracker, DOMAIN)}


def test_entity_role_must_match_exactly_and_lists_take_all_values() -> None:
    entities = [{"entity": "city", "value": "Rome", "role": "to"}, {"entity": "city", "value": "Oslo"}]
    assert after("to Rome from Oslo", "inform", entities) == {"to": "Rome", "cities": ["Oslo"], "seen": "yes"}


def test_from_intent_with_intent_filters() -> None:
    assert after("yes", "affirm")["agreed"] is True
    assert after("no", "deny")["agreed"] is False
    assert "agreed" not in after("hi", "inform")


def test_conditions_require_the_active_loop_and_requested_slot() -> None:
    assert "note" not in after("window seat", "inform")
    in_form = after("window seat", "inform", None, ActiveLoop("f"), SlotSet("requested_slot", "note"))
    assert in_form["note"] == "window seat"
    blocked = after("lol", "chitchat", None, ActiveLoop("f"), SlotSet("requested_slot", "note"))
    assert "note" not in blocked


def test_2x_domain_auto_fills_slots_named_like_entities() -> None:
    domain = Domain.from_dict(
        {"version": "2.0", "entities": ["city"], "slots": {"city": {"type": "text"}, "other": {"type": "text", "auto_fill": False}}}
    )
    tracker = DialogueStateTracker("c", domain.slots)
    tracker.update(UserUttered("Rome", {"intent": {"name": "x"}, "entities": [{"entity": "city", "value": "Rome"}]}))
    assert [(e.name, e.value) for e in extract_slot_events(tracker, domain)] == [("city", "Rome")]


def test_first_matching_mapping_wins_and_custom_actions_run_once_then_get_validated() -> None:
    from engine.actions.base import Action
    from engine.actions.slot_extraction import ExtractSlotsAction
    from engine.conversation.domain import Domain
    from engine.conversation.events import ActionExecuted, BotUttered, Restarted, SlotSet, UserUttered
    from engine.conversation.tracker import DialogueStateTracker

    domain = Domain.from_dict({
        "version": "3.1",
        "intents": ["inform"],
        "entities": ["city"],
        "actions": ["action_lookup", "action_validate_slot_mappings"],
        "slots": {
            "city": {"type": "text", "mappings": [
                {"type": "from_entity", "entity": "city"}, {"type": "from_text"}]},
            "a": {"type": "any", "mappings": [{"type": "custom", "action": "action_lookup"}]},
            "b": {"type": "any", "mappings": [{"type": "custom", "action": "action_lookup"}]},
        },
    })
    calls: list[str] = []

    class Fake(Action):
        def __init__(self, name: str) -> None:
            self.name = name

        def run(self, tracker, domain, nlg, output_channel):
            calls.append(self.name)
            if self.name == "action_lookup":
                return [SlotSet("a", 1), SlotSet("b", 2), BotUttered("looked up"), Restarted()]
            # The validator sees the candidates and rejects b.
            assert tracker.get_slot("b") == 2 and not isinstance(tracker.events[-1], UserUttered)
            return [SlotSet("b", None)]

    tracker = DialogueStateTracker("u", domain.slots)
    tracker.update(ActionExecuted("action_listen"))
    tracker.update(UserUttered("to Rome", {"intent": {"name": "inform"},
                                           "entities": [{"entity": "city", "value": "Rome"}]}))
    events = ExtractSlotsAction(Fake).run(tracker, domain, None, None)
    assert calls == ["action_lookup", "action_validate_slot_mappings"]
    slots = {e.name: e.value for e in events if isinstance(e, SlotSet)}
    assert slots == {"city": "Rome", "a": 1, "b": None}
    assert [e.text for e in events if isinstance(e, BotUttered)] == ["looked up"]
    assert not any(isinstance(e, Restarted) for e in events)
