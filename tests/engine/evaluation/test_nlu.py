"""NLU evaluation and cross-validation: Rasa's /model/test/intents shapes and honest numbers."""
from __future__ import annotations

import json

import pytest

from engine.data.types import NluData, NluExample
from engine.errors import BadRequest, Conflict
from engine.evaluation.nlu import cross_validate, evaluate_intents, evaluate_nlu, stratified_folds
from tests.conftest import shared_path
from tests.engine.evaluation.trained import TINYBOT, loaded

ROW_KEYS = {"precision", "recall", "f1-score", "support"}


@pytest.fixture(scope="module")
def model():  # type: ignore[no-untyped-def]
    return loaded(TINYBOT)


@pytest.fixture(scope="module")
def project():  # type: ignore[no-untyped-def]
    from engine.data.loader import load_project

    return load_project(TINYBOT / "config.yml", TINYBOT / "domain.yml", [TINYBOT / "data"])


def _data(*examples: tuple[str, str, list[dict]]) -> NluData:
    return NluData(examples=[NluExample(text, intent, entities) for text, intent, entities in examples])


def test_body_has_rasas_keys_and_perfect_scores_on_training_data(model, project) -> None:  # type: ignore[no-untyped-def]
    body = evaluate_intents(model, project.nlu)
    assert set(body) == {"intent_evaluation", "entity_evaluation", "response_selection_evaluation"}
    intents = body["intent_evaluation"]
    assert set(intents) == {"predictions", "report", "precision", "f1_score", "accuracy", "errors"}
    assert len(intents["predictions"]) == len(project.nlu.examples)
    assert set(intents["predictions"][0]) == {"text", "intent", "predicted", "confidence"}
    assert intents["accuracy"] == 1.0 and intents["errors"] == []
    report = intents["report"]
    assert set(report["greet"]) == ROW_KEYS | {"confused_with"}
    assert report["greet"]["support"] == 7
    assert {"accuracy", "macro avg", "weighted avg", "micro avg"} <= set(report)
    entities = body["entity_evaluation"]["DIETClassifier"]
    assert entities["report"]["city"]["support"] > 0 and entities["f1_score"] == 1.0
    assert body["response_selection_evaluation"] is None
    json.dumps(body)  # plain JSON types only


def test_shape_matches_the_captured_rasa_answer(model) -> None:  # type: ignore[no-untyped-def]
    reference = json.loads(shared_path("notes", "rasa-ref-responses", "tok_34_post_model_test_intents_yaml.json")
                           .read_text())["response"]["body_json"]
    ours = evaluate_intents(model, _data(("hello", "greet", []), ("bye", "goodbye", [])))
    assert set(ours) == set(reference)
    assert set(ours["intent_evaluation"]) == set(reference["intent_evaluation"])
    assert set(ours["intent_evaluation"]["predictions"][0]) == set(reference["intent_evaluation"]["predictions"][0])
    assert set(ours["intent_evaluation"]["report"]["greet"]) == set(reference["intent_evaluation"]["report"]["greet"])
    # No entity annotations and none predicted: null, as Rasa answers for moodbot.
    assert ours["entity_evaluation"] is None


def test_wrong_labels_become_errors_and_confusions(model) -> None:  # type: ignore[no-untyped-def]
    data = _data(("hello", "greet", []), ("hi there", "greet", []), ("goodbye", "thank", []))
    evaluation = evaluate_nlu(model, data)
    intent = evaluation.intent
    assert intent is not None and intent.scores.accuracy == pytest.approx(2 / 3)
    [error] = intent.errors
    assert error["text"] == "goodbye" and error["intent"] == "thank"
    assert error["intent_prediction"]["name"] == "goodbye"
    assert intent.scores.report["thank"]["confused_with"] == {"goodbye": 1}
    assert len(intent.successes) == 2


def test_entity_errors_list_gold_and_predicted_entities(model) -> None:  # type: ignore[no-untyped-def]
    # "Berlin" is annotated as a different type: the extractor still finds a city.
    gold = [{"start": 23, "end": 29, "value": "Berlin", "entity": "town"}]
    evaluation = evaluate_nlu(model, _data(("what's the weather in Berlin", "ask_weather", gold)))
    task = evaluation.entities["DIETClassifier"]
    [error] = task.errors
    assert error["entities"][0]["entity"] == "town"
    assert error["predicted_entities"][0]["entity"] == "city"
    assert task.scores.report["town"]["recall"] == 0.0


def test_cross_validation_reports_every_part(project) -> None:  # type: ignore[no-untyped-def]
    body = cross_validate(project.config, project.nlu, 3)
    assert set(body) == {"intent_evaluation", "entity_evaluation", "response_selection_evaluation"}
    for part in body.values():
        assert set(part) == {"report", "precision", "f1_score", "errors"}
    intents = body["intent_evaluation"]
    # Every example is tested exactly once across the folds.
    assert sum(row["support"] for name, row in intents["report"].items()
               if isinstance(row, dict) and name not in ("macro avg", "weighted avg", "micro avg")) == 37
    assert 0.0 < intents["f1_score"] <= 1.0
    assert body["entity_evaluation"]["report"]["city"]["support"] > 0
    assert body["response_selection_evaluation"]["report"] == {}


def test_folds_are_stratified_and_disjoint() -> None:
    examples = [NluExample(f"text {i}", "a" if i % 3 else "b") for i in range(30)]
    folds = stratified_folds(examples, 5)
    assert sorted(i for fold in folds for i in fold) == list(range(30))
    assert all(sum(1 for i in fold if examples[i].intent == "b") == 2 for fold in folds)


@pytest.mark.parametrize("folds", [1, 0, 50])
def test_bad_fold_counts_are_client_errors(project, folds: int) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(BadRequest):
        cross_validate(project.config, project.nlu, folds)


def test_a_dialogue_only_model_cannot_test_intents(project) -> None:  # type: ignore[no-untyped-def]
    core_only = loaded(TINYBOT, "core")
    with pytest.raises(Conflict):
        evaluate_intents(core_only, project.nlu)
