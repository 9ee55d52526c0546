"""Dialogue states: what policies see of a conversation."""
from __future__ import annotations

from engine.conversation.domain import Domain
from engine.conversation.events import (
    ActionExecuted,
    ActionReverted,
    ActiveLoop,
    DefinePrevUserUtteredFeaturization,
    Restarted,
    SlotSet,
    UserUttered,
)
from engine.conversation.tracker import DialogueStateTracker
from engine.dialogue.featurization import choose_last_user_input, state_key, states_for_tracker, states_from_key

DOMAIN = Domain.from_dict(
    {
        "intents": ["book", {"chat": {"use_entities": []}}],
        "entities": [{"city": {"roles": ["to"]}}, "date"],
        "slots": {
            "city": {"type": "text", "mappings": []},
            "vip": {"type": "bool", "mappings": []},
            "note": {"type": "text", "influence_conversation": False, "mappings": []},
        },
        "forms": {"f": {"required_slots": ["city"]}},
    }
)


def tracker(*events: object) -> DialogueStateTracker:
    return DialogueStateTracker.from_events("c", events, DOMAIN.slots)  # type: ignore[arg-type]


def test_state_per_action_plus_now_starting_empty() -> None:
    t = tracker(
        ActionExecuted("action_listen"),
        UserUttered("to Rome", {"intent": {"name": "book"}, "entities": [{"entity": "city", "value": "Rome", "role": "to"}]}),
        DefinePrevUserUtteredFeaturization(False),
        SlotSet("city", "Rome"),
        SlotSet("note", "x"),
        SlotSet("vip", True),
        ActionExecuted("f"),
        ActiveLoop("f"),
    )
    states = states_for_tracker(t, DOMAIN)
    assert states[0] == {}
    assert states[1] == {
        "user": {"intent": "book", "entities": ("city", "city#to")},
        "prev_action": {"action_name": "action_listen"},
        "slots": {"city": (1.0,), "vip": (1.0, 1.0)},
    }
    assert states[2]["prev_action"] == {"action_name": "f"}
    assert states[2]["active_loop"] == {"name": "f"}
    assert len(states) == 3


def test_entities_are_filtered_by_the_intents_used_entities() -> None:
    t = tracker(ActionExecuted("action_listen"), UserUttered("x", {"intent": {"name": "chat"}, "entities": [{"entity": "date", "value": "1"}]}))
    # Before the ensemble decides, the latest turn carries both text and intent.
    assert states_for_tracker(t, DOMAIN)[-1]["user"] == {"intent": "chat", "text": "x"}


def test_latest_user_turn_uses_intent_or_text() -> None:
    t = tracker(ActionExecuted("action_listen"), UserUttered("hello", {"intent": {"name": "book"}}))
    states = states_for_tracker(t, DOMAIN)
    intent_states = [dict(s) for s in states]
    intent_states[-1] = {k: dict(v) for k, v in states[-1].items()}
    choose_last_user_input(intent_states, use_text=False)
    assert intent_states[-1]["user"] == {"intent": "book"}
    choose_last_user_input(states, use_text=True)
    assert states[-1]["user"] == {"text": "hello"}


def test_hidden_rule_turns_are_skipped_for_ml_policies() -> None:
    t = tracker(
        ActionExecuted("action_listen"),
        UserUttered("hi", {"intent": {"name": "book"}}),
        ActionExecuted("utter_rule", hide_rule_turn=True),
        ActionExecuted("action_listen", hide_rule_turn=True),
        UserUttered("chat", {"intent": {"name": "chat"}}),
    )
    states = states_for_tracker(t, DOMAIN, ignore_rule_only_turns=True)
    # The rule's turn (predicting utter_rule, then listening) is invisible.
    assert [s.get("prev_action", {}).get("action_name") for s in states] == [None, "action_listen"]
    assert states[-1]["user"]["intent"] == "chat"
    assert len(states_for_tracker(t, DOMAIN)) == 4


def test_keys_are_stable_and_decode_back() -> None:
    states = [{}, {"user": {"intent": "a", "entities": ("x", "y")}, "prev_action": {"action_name": "action_listen"}}]
    reordered = [{}, {"prev_action": {"action_name": "action_listen"}, "user": {"entities": ("x", "y"), "intent": "a"}}]
    assert state_key(states) == state_key(reordered)
    assert states_from_key(state_key(states)) == states


def test_cached_states_match_a_fresh_featurization_as_events_arrive() -> None:
    events = [
        ActionExecuted("action_listen"),
        UserUttered("to Rome", {"intent": {"name": "book"}, "entities": [{"entity": "city", "value": "Rome"}]}),
        SlotSet("city", "Rome"),
        ActionExecuted("f"),
        ActiveLoop("f"),
        ActionExecuted("action_listen", hide_rule_turn=True),
        UserUttered("hi", {"intent": {"name": "chat"}}),
        ActionExecuted("utter_x"),
        ActionReverted(),
        ActionExecuted("utter_y"),
        ActionExecuted("action_listen"),
        Restarted(),
        ActionExecuted("action_listen"),
    ]
    cached = tracker()
    cached.state_cache = {}
    for event in events:
        cached.update(event)
        for options in ({}, {"ignore_rule_only_turns": True, "rule_only_data": {"rule_only_slots": ["city"]}}):
            fresh = tracker(*cached.events)
            assert states_for_tracker(cached, DOMAIN, **options) == states_for_tracker(fresh, DOMAIN, **options)


def test_changing_the_last_state_leaves_the_cache_intact() -> None:
    t = tracker(ActionExecuted("action_listen"), UserUttered("x", {"intent": {"name": "chat"}}))
    t.state_cache = {}
    first = states_for_tracker(t, DOMAIN)
    choose_last_user_input(first, use_text=True)
    assert states_for_tracker(t, DOMAIN)[-1]["user"] == {"intent": "chat", "text": "x"}
