"""Stories and rules become the right event sequences."""
from __future__ import annotations

from engine.conversation.constants import SHOULD_NOT_BE_SET
from engine.conversation.domain import Domain
from engine.dialogue.story_trackers import rule_trackers, story_trackers
from tests.engine.dialogue.helpers import stories_from_yaml

DOMAIN = Domain.from_dict(
    {
        "intents": ["greet", "inform", "affirm", "deny"],
        "entities": ["city"],
        "slots": {
            "city": {"type": "text", "mappings": [{"type": "from_entity", "entity": "city"}]},
            "done": {"type": "bool", "mappings": []},
        },
        "forms": {"f": {"required_slots": ["city"]}},
        "responses": {"utter_a": [{"text": "a"}], "utter_b": [{"text": "b"}]},
    }
)


def shape(tracker) -> list[str]:
    out = []
    for e in tracker.events:
        if e.type_name == "action":
            out.append(e.action_name or f"text:{e.action_text}")
        elif e.type_name == "user":
            out.append(f"user:{e.intent_name or e.text}")
        elif e.type_name == "slot":
            out.append(f"slot:{e.name}={e.value}")
        else:
            out.append(f"{e.type_name}:{getattr(e, 'name', '')}")
    return out


def test_user_turns_listen_fill_entity_slots_and_end_listening() -> None:
    [story] = stories_from_yaml(
        """
stories:
- story: s
  steps:
  - intent: inform
    entities:
    - city: Rome
  - action: utter_a
  - bot: Nice!
"""
    )
    [tracker] = story_trackers([story], DOMAIN)
    assert shape(tracker) == ["action_listen", "user:inform", "slot:city=Rome", "utter_a", "text:Nice!", "action_listen"]
    assert tracker.sender_id == "s" and not tracker.is_rule_tracker


def test_or_steps_expand_into_alternatives() -> None:
    stories = stories_from_yaml(
        """
stories:
- story: s
  steps:
  - intent: greet
  - or:
    - intent: affirm
    - intent: deny
  - action: utter_a
"""
    )
    trackers = story_trackers(stories, DOMAIN)
    assert [shape(t)[1:4] for t in trackers] == [
        ["user:greet", "action_listen", "user:affirm"],
        ["user:greet", "action_listen", "user:deny"],
    ]


def test_checkpoints_join_story_parts() -> None:
    stories = stories_from_yaml(
        """
stories:
- story: start
  steps:
  - intent: greet
  - action: utter_a
  - checkpoint: asked
- story: yes
  steps:
  - checkpoint: asked
  - intent: affirm
  - action: utter_b
- story: no
  steps:
  - checkpoint: asked
  - slot_was_set:
    - done: true
  - intent: deny
  - action: utter_a
"""
    )
    trackers = story_trackers(stories, DOMAIN)
    assert sorted(shape(t)[-3] for t in trackers) == ["user:affirm", "user:deny"]
    assert all(shape(t)[:3] == ["action_listen", "user:greet", "utter_a"] for t in trackers)


def test_checkpoint_slot_conditions_filter_continuations() -> None:
    stories = stories_from_yaml(
        """
stories:
- story: start
  steps:
  - intent: greet
  - slot_was_set:
    - done: true
  - checkpoint: c
- story: when done
  steps:
  - checkpoint: c
    slot_was_set:
    - done: true
  - action: utter_a
- story: when not done
  steps:
  - checkpoint: c
    slot_was_set:
    - done: false
  - action: utter_b
"""
    )
    [tracker] = story_trackers(stories, DOMAIN)
    assert "utter_a" in shape(tracker) and "utter_b" not in shape(tracker)


def test_rule_snippets_conditions_and_should_not_be_set() -> None:
    rules = stories_from_yaml(
        """
rules:
- rule: r
  condition:
  - active_loop: f
  steps:
  - action: f
  - active_loop: null
  - slot_was_set:
    - city: null
  - action: utter_a
  wait_for_user_input: false
- rule: start
  conversation_start: true
  steps:
  - intent: greet
  - action: utter_b
""",
        "rules",
    )
    first, second = rule_trackers(rules, DOMAIN)
    assert first.is_rule_tracker
    assert shape(first) == [
        "active_loop:f", "...", "f", f"active_loop:{SHOULD_NOT_BE_SET}", f"slot:city={SHOULD_NOT_BE_SET}", "utter_a", "..."
    ]
    assert shape(second) == ["action_listen", "user:greet", "utter_b", "action_listen"]


def test_story_opening_action_is_unpredictable() -> None:
    [story] = stories_from_yaml("stories:\n- story: s\n  steps:\n  - action: utter_a\n  - intent: greet\n  - action: utter_b\n")
    [tracker] = story_trackers([story], DOMAIN)
    assert [e.unpredictable for e in tracker.events if e.type_name == "action"] == [True, False, False, False]
