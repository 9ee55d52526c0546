"""Evaluation requests: bodies read, gates, errors, and the report contract."""
from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from engine.api import testing
from engine.api.testing import TestingError, evaluate_intents, evaluate_stories, read_nlu_payload, read_test_stories
from engine.errors import BadRequest, EngineError, NoModelLoaded
from engine.models.loader import load_model
from tests.conftest import FIXTURES

TINYBOT = FIXTURES / "bots" / "tinybot"
TEST_STORIES = (TINYBOT / "tests" / "test_stories.yml").read_bytes()
NLU = (TINYBOT / "data" / "nlu.yml").read_bytes()
CONFIG = (TINYBOT / "config.yml").read_bytes()
JSON_NLU = orjson.dumps({"rasa_nlu_data": {"common_examples": [
    {"text": "hello", "intent": "greet", "entities": []},
    {"text": "weather in Berlin", "intent": "ask_weather",
     "entities": [{"start": 11, "end": 17, "value": "Berlin", "entity": "city"}]},
]}})
STORY_KEYS = {"report", "precision", "f1", "accuracy", "actions", "in_training_data_fraction",
              "is_end_to_end_evaluation"}
INTENT_KEYS = {"intent_evaluation", "entity_evaluation", "response_selection_evaluation"}


def test_story_report_has_rasas_keys(tinybot_archives: dict[str, Path]) -> None:
    report = evaluate_stories(load_model(tinybot_archives["both"]), TEST_STORIES)
    assert set(report) == STORY_KEYS
    assert report["is_end_to_end_evaluation"] is False
    assert all(set(a) == {"action", "predicted", "confidence", "policy"} for a in report["actions"])


@pytest.mark.parametrize(("body", "problem"), [
    (b"", "empty"),
    (b"stories: [oops", "valid YAML"),
    (b"- a list", "YAML mapping"),
    (b"nlu: []", "no stories"),
])
def test_unusable_story_bodies_are_400(body: bytes, problem: str) -> None:
    with pytest.raises(BadRequest, match=problem):
        read_test_stories(body)


def test_intent_report_has_rasas_keys(tinybot_archives: dict[str, Path]) -> None:
    report = evaluate_intents(load_model(tinybot_archives["both"]), NLU, "yaml")
    assert set(report) == INTENT_KEYS


def test_json_nlu_data_is_read(tinybot_archives: dict[str, Path]) -> None:
    data, config = read_nlu_payload(JSON_NLU, "json")
    assert [e.intent for e in data.examples] == ["greet", "ask_weather"]
    assert data.examples[1].entities[0]["value"] == "Berlin"
    assert config == {}
    assert set(evaluate_intents(load_model(tinybot_archives["nlu"]), JSON_NLU, "json")) == INTENT_KEYS


def test_cross_validation_without_a_pipeline_uses_the_default_one() -> None:
    report = evaluate_intents(None, NLU, "yaml", folds=2)
    assert set(report) == INTENT_KEYS


def test_another_model_is_evaluated_without_a_loaded_one(tinybot_archives: dict[str, Path]) -> None:
    archive = tinybot_archives["nlu"]
    report = evaluate_intents(None, NLU, "yaml", model=str(archive), models_dir=archive.parent)
    assert set(report) == INTENT_KEYS


def test_a_model_outside_the_models_directory_is_refused(tinybot_archives: dict[str, Path], tmp_path: Path) -> None:
    with pytest.raises(BadRequest, match="only from its models directory"):
        evaluate_intents(None, NLU, "yaml", model=str(tinybot_archives["nlu"]), models_dir=tmp_path)


def test_no_model_loaded_and_none_named_is_a_conflict() -> None:
    with pytest.raises(NoModelLoaded):
        evaluate_intents(None, NLU, "yaml")


def test_a_model_that_cannot_be_loaded_is_400() -> None:
    with pytest.raises(BadRequest, match="invalid.tar.gz"):
        evaluate_intents(None, NLU, "yaml", model="invalid.tar.gz")


def test_cross_validation_uses_the_bodys_pipeline() -> None:
    report = evaluate_intents(None, CONFIG + b"\n" + NLU.replace(b'version: "3.1"', b""), "yaml", folds=2)
    assert set(report) == INTENT_KEYS
    for key in INTENT_KEYS:
        assert {"report", "precision", "f1_score", "errors"} <= set(report[key])


@pytest.mark.parametrize(("body", "fmt", "folds", "reason"), [
    (JSON_NLU, "json", 3, "TestingError"),
    (CONFIG + b"\n" + NLU.replace(b'version: "3.1"', b""), "yaml", 1, "TestingError"),
])
def test_cross_validation_refusals(body: bytes, fmt: str, folds: int, reason: str) -> None:
    with pytest.raises(TestingError) as caught:
        evaluate_intents(None, body, fmt, folds=folds)
    assert caught.value.reason == reason


@pytest.mark.parametrize("body", [b"", b"{}", b'{"rasa_nlu_data": []}', b"[1]", b"{oops",
                                  b'{"rasa_nlu_data": {"common_examples": [{"intent": "x"}]}}'])
def test_unusable_json_nlu_bodies_are_400(body: bytes) -> None:
    with pytest.raises(BadRequest):
        read_nlu_payload(body, "json")


def test_a_crash_inside_evaluation_is_a_testing_error(
    tinybot_archives: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    from engine.evaluation import nlu

    def boom(model: object, data: object) -> dict:
        raise RuntimeError("boom")

    monkeypatch.setattr(nlu, "evaluate_intents", boom)
    with pytest.raises(EngineError) as caught:
        testing.evaluate_intents(load_model(tinybot_archives["nlu"]), NLU, "yaml")
    assert caught.value.reason == "TestingError" and "boom" in caught.value.message
