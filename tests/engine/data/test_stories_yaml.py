"""Stories, rules and test stories YAML: normalised steps as engine.data.types.Story documents."""
from __future__ import annotations

import logging
import textwrap

import pytest

from engine.data.stories_yaml import is_test_file, read_stories_doc
from engine.data.types import Story
from engine.data.yaml_io import read_yaml_text
from engine.errors import DataError


def _read(text: str, *, test: bool = False) -> tuple[list[Story], list[Story]]:
    doc = read_yaml_text(textwrap.dedent(text), file="stories.yml")
    return read_stories_doc(doc, file="stories.yml", test=test)


def _steps(text: str, *, test: bool = False) -> list[dict]:
    stories, _ = _read("stories:\n- story: s\n  steps:\n" + textwrap.indent(textwrap.dedent(text), "  "), test=test)
    return stories[0].steps


def test_intent_and_action_steps_with_source_and_line():
    stories, rules = _read("""
        version: "3.1"
        stories:
        - story: happy path
          steps:
          - intent: greet
          - action: utter_greet
        """)
    assert rules == []
    story = stories[0]
    # Line 1 is the empty line after the opening quotes.
    assert (story.name, story.kind, story.source, story.line) == ("happy path", "story", "stories.yml", 4)
    assert story.steps == [
        {"user_turn": True, "intent": "greet", "text": None, "entities": []},
        {"action": "utter_greet"},
    ]


def test_intent_entities_as_mappings_and_names():
    steps = _steps("""
        - intent: inform
          entities:
          - city: Berlin
            role: destination
          - number
        """)
    assert steps[0]["entities"] == [
        {"entity": "city", "value": "Berlin", "role": "destination"},
        {"entity": "number", "value": ""},
    ]


def test_leading_slash_in_intent_is_stripped_with_a_warning(caplog):
    with caplog.at_level(logging.WARNING):
        steps = _steps("- intent: /greet\n")
    assert steps[0]["intent"] == "greet"
    assert "starts with '/'" in caplog.text


def test_retrieval_intents_are_reduced_in_training_but_kept_in_tests():
    assert _steps("- intent: faq/opening_hours\n")[0]["intent"] == "faq"
    assert _steps("- intent: faq/opening_hours\n", test=True)[0]["intent"] == "faq/opening_hours"


def test_user_text_has_markup_removed_and_offsets():
    steps = _steps("""
        - user: |
            fly to [Zürich]{"entity": "city", "role": "destination"}
          intent: book
        """, test=True)
    assert steps[0] == {
        "user_turn": True,
        "intent": "book",
        "text": "fly to Zürich",
        "entities": [{"start": 7, "end": 13, "value": "Zürich", "entity": "city", "role": "destination"}],
    }


def test_end_to_end_user_without_intent_and_bot_text():
    steps = _steps("""
        - user: "I can always go for sushi"
        - bot: "Sushi it is."
        """)
    assert steps == [
        {"user_turn": True, "intent": None, "text": "I can always go for sushi", "entities": []},
        {"bot": "Sushi it is."},
    ]


def test_user_intent_message_is_unpacked():
    steps = _steps("""- user: '/inform{"city": "Rome", "number": [1, 2]}'\n""")
    assert steps[0]["intent"] == "inform"
    assert steps[0]["entities"] == [
        {"entity": "city", "value": "Rome"},
        {"entity": "number", "value": 1},
        {"entity": "number", "value": 2},
    ]


def test_slot_was_set_with_values_and_names_only():
    steps = _steps("""
        - slot_was_set:
          - city: Berlin
          - requested_slot: null
          - confirmed
        """)
    assert steps[0] == {
        "slot_was_set": [
            {"name": "city", "value": "Berlin", "has_value": True},
            {"name": "requested_slot", "value": None, "has_value": True},
            {"name": "confirmed", "value": None, "has_value": False},
        ]
    }


def test_or_active_loop_and_checkpoints():
    steps = _steps("""
        - checkpoint: start
          slot_was_set:
          - city: Rome
        - or:
          - intent: affirm
          - intent: thank
          - slot_was_set:
            - happy: true
        - active_loop: booking_form
        - active_loop: null
        - checkpoint: end
        """)
    assert steps == [
        {"checkpoint": "start", "slot_was_set": [{"name": "city", "value": "Rome", "has_value": True}]},
        {"or": [
            {"user_turn": True, "intent": "affirm", "text": None, "entities": []},
            {"user_turn": True, "intent": "thank", "text": None, "entities": []},
            {"slot_was_set": [{"name": "happy", "value": True, "has_value": True}]},
        ]},
        {"active_loop": "booking_form"},
        {"active_loop": None},
        {"checkpoint": "end"},
    ]


def test_unknown_step_is_skipped_with_a_warning(caplog):
    with caplog.at_level(logging.WARNING):
        steps = _steps("- intent: greet\n- wait: 5\n- action: utter_greet\n")
    assert steps == [
        {"user_turn": True, "intent": "greet", "text": None, "entities": []},
        {"action": "utter_greet"},
    ]
    assert "wait" in caplog.text


def test_rules_with_condition_start_and_wait_flags():
    _, rules = _read("""
        rules:
        - rule: greet at start
          conversation_start: true
          steps:
          - intent: greet
          - action: utter_greet
        - rule: submit form
          condition:
          - active_loop: booking_form
          - slot_was_set:
            - requested_slot: city
          steps:
          - action: booking_form
          - active_loop: null
          wait_for_user_input: false
        """)
    start, submit = rules
    assert (start.kind, start.conversation_start, start.wait_for_user_input) == ("rule", True, True)
    assert submit.condition == [
        {"active_loop": "booking_form"},
        {"slot_was_set": [{"name": "requested_slot", "value": "city", "has_value": True}]},
    ]
    assert (submit.conversation_start, submit.wait_for_user_input) == (False, False)
    assert submit.line == 8  # the text starts with an empty line


def test_test_file_stories_have_kind_test():
    stories, _ = _read("stories:\n- story: t\n  steps:\n  - intent: greet\n", test=True)
    assert stories[0].kind == "test"


def test_story_without_steps_is_skipped(caplog):
    with caplog.at_level(logging.WARNING):
        stories, _ = _read("stories:\n- story: empty\n  steps: []\n- story: ok\n  steps:\n  - action: a\n")
    assert [s.name for s in stories] == ["ok"]
    assert "no steps" in caplog.text


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("stories: hello\n", 1, "'stories' must be a list"),
        ("stories:\n- story: s\n  steps:\n  - greet\n", 4, "story step must be a mapping"),
        ("stories:\n- story: s\n  steps: greet\n", 3, "must be a list"),
        ("stories:\n- story: s\n  steps:\n  - intent:\n", 4, "'intent' needs a name"),
        ("stories:\n- story: s\n  steps:\n  - slot_was_set:\n      city: x\n", 5, "'slot_was_set' must be a list"),
        ("stories:\n- story: s\n  steps:\n  - action: [a]\n", 4, "'action' needs a name"),
        ("stories:\n- story: s\n  steps:\n  - user: '/inform{bad'\n", 4, "not an intent message"),
        ("rules:\n- rule: r\n  conversation_start: 'yes'\n  steps:\n  - action: a\n", 3,
         "'conversation_start' must be a boolean"),
    ],
)
def test_wrong_shapes_are_data_errors_with_lines(text, line, fragment):
    with pytest.raises(DataError) as info:
        _read(text)
    assert info.value.file == "stories.yml"
    assert info.value.line == line
    assert fragment in info.value.message


@pytest.mark.parametrize(
    ("path", "inside", "expected"),
    [
        ("data/stories.yml", ("data",), False),
        ("data/test_stories.yml", ("data",), True),
        ("tests/conversations.yml", ("tests",), True),
        ("project/data/e2e.yml", ("data",), False),
    ],
)
def test_test_file_recognition(path, inside, expected):
    assert is_test_file(path, inside=inside) is expected
