"""Story evaluation: Rasa's /model/test/stories body, failed stories with comments, e2e."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.data.types import Story
from engine.errors import Conflict
from engine.evaluation.inputs import load_test_stories
from engine.evaluation.stories import evaluate_stories, run_story_evaluation
from engine.evaluation.story_render import render_stories
from tests.conftest import shared_path
from tests.engine.evaluation.trained import TINYBOT, loaded

BODY_KEYS = {"report", "precision", "f1", "accuracy", "actions", "in_training_data_fraction",
             "is_end_to_end_evaluation"}


@pytest.fixture(scope="module")
def model():  # type: ignore[no-untyped-def]
    return loaded(TINYBOT)


@pytest.fixture(scope="module")
def stories() -> list[Story]:
    return load_test_stories([TINYBOT / "tests"])


def _user(text: str, intent: str | None, entities: list[dict] | None = None) -> dict:
    return {"user_turn": True, "text": text, "intent": intent, "entities": entities or []}


def test_body_keys_and_action_entries_follow_rasa(model, stories) -> None:  # type: ignore[no-untyped-def]
    body = evaluate_stories(model, stories)
    assert set(body) == BODY_KEYS
    assert body["is_end_to_end_evaluation"] is False
    assert body["accuracy"] == 1.0 and body["f1"] == 1.0
    assert all(set(a) == {"action", "predicted", "confidence", "policy"} for a in body["actions"])
    # The first story: greet -> utter_greet, listen, ask_weather -> utter_weather, listen.
    assert [a["action"] for a in body["actions"][:4]] == ["utter_greet", "action_listen", "utter_weather",
                                                          "action_listen"]
    assert body["report"]["action_listen"]["support"] == 6  # one per user turn
    assert body["in_training_data_fraction"] == 1.0  # memoization and rules predicted everything
    json.dumps(body)


def test_shape_matches_the_captured_rasa_answer(model, stories) -> None:  # type: ignore[no-untyped-def]
    reference = json.loads(shared_path("notes", "rasa-ref-responses", "tok_35_post_model_test_stories.json")
                           .read_text())["response"]["body_json"]
    ours = evaluate_stories(model, stories)
    assert set(ours) == set(reference)
    assert set(ours["actions"][0]) == set(reference["actions"][0])
    assert set(ours["report"]["action_listen"]) == set(reference["report"]["action_listen"])


def test_a_wrong_expectation_fails_the_story_and_is_written_with_a_comment(model, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    story = Story("greeting expects goodbye", [_user("hi", "greet"), {"action": "utter_goodbye"}],
                  kind="test", source="tests/test_x.yml", line=3)
    evaluation = run_story_evaluation(model, [story])
    assert [s.failed for s in evaluation.stories] == [True]
    assert evaluation.actions[0] == {"action": "utter_goodbye", "predicted": "utter_greet",
                                     "policy": evaluation.actions[0]["policy"], "confidence": 1.0}
    text = render_stories(evaluation.failed)
    assert "- action: utter_goodbye  # predicted: utter_greet" in text
    assert 'story: "greeting expects goodbye (tests/test_x.yml)"' in text
    # The file is valid test-story YAML again.
    path = tmp_path / "failed_test_stories.yml"
    path.write_text(text)
    [again] = load_test_stories([path])
    assert [s.get("action") for s in again.steps if "action" in s] == ["utter_goodbye"]
    assert evaluation.story_report()["conversation_accuracy"] == {"accuracy": 0.0, "correct": 0,
                                                                  "with_warnings": 0, "total": 1}


def test_entities_keep_their_markup_in_failed_stories(model) -> None:  # type: ignore[no-untyped-def]
    entity = {"entity": "city", "value": "Berlin", "start": 22, "end": 28}
    story = Story("weather", [_user("hi", "greet"), {"action": "utter_greet"},
                              _user("what's the weather in Berlin", "ask_weather", [entity]),
                              {"slot_was_set": [{"name": "city", "value": "Berlin", "has_value": True}]},
                              {"action": "utter_goodbye"}], kind="test")
    evaluation = run_story_evaluation(model, [story])
    text = render_stories(evaluation.failed)
    assert "what's the weather in [Berlin](city)" in text
    assert "- slot_was_set:\n    - city: Berlin" in text
    assert "# predicted: utter_weather" in text


def test_end_to_end_parses_the_texts_and_flags_wrong_intents(model) -> None:  # type: ignore[no-untyped-def]
    story = Story("mislabelled", [_user("hello", "goodbye"), {"action": "utter_goodbye"}], kind="test")
    plain = evaluate_stories(model, [story])
    assert plain["accuracy"] == 1.0  # the annotated intent drives the dialogue
    e2e = run_story_evaluation(model, [story], e2e=True)
    assert e2e.as_body()["is_end_to_end_evaluation"] is True
    assert e2e.failed and "goodbye" in e2e.targets and "greet" in e2e.predictions
    assert "# predicted: intent greet" in render_stories(e2e.failed)


def test_text_only_turns_are_parsed(model) -> None:  # type: ignore[no-untyped-def]
    story = Story("conversation test", [_user("hello", None), {"action": "utter_greet"}], kind="test")
    body = evaluate_stories(model, [story])
    assert body["actions"][0]["predicted"] == "utter_greet"


def test_nlu_only_models_cannot_test_stories(stories) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(Conflict):
        evaluate_stories(loaded(TINYBOT, "nlu"), stories)
