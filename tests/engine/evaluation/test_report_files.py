"""Report files: Rasa's names and keys, valid pictures, one HTML page over them."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.evaluation.html_report import write_html_report
from engine.evaluation.inputs import load_nlu_data, load_test_stories
from engine.evaluation.nlu import cross_validation, evaluate_nlu
from engine.evaluation.report_files import write_core_reports, write_nlu_reports
from engine.evaluation.stories import run_story_evaluation
from tests.engine.evaluation.pictures import assert_valid_png, require_matplotlib
from tests.engine.evaluation.trained import TINYBOT, loaded


@pytest.fixture(scope="module")
def model():  # type: ignore[no-untyped-def]
    return loaded(TINYBOT)


def test_nlu_files_have_rasas_names_and_keys(model, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    evaluation = evaluate_nlu(model, load_nlu_data([TINYBOT / "data"]))
    written = write_nlu_reports(evaluation, tmp_path, successes=True, plots=False)
    assert {p.name for p in written} == {
        "intent_report.json", "intent_errors.json", "intent_successes.json",
        "DIETClassifier_report.json", "DIETClassifier_errors.json", "DIETClassifier_successes.json",
    }
    report = json.loads((tmp_path / "intent_report.json").read_text())
    assert report["ask_weather"]["support"] == 10 and report["accuracy"] == 1.0
    successes = json.loads((tmp_path / "intent_successes.json").read_text())
    assert set(successes[0]) == {"text", "intent", "intent_prediction"}
    entity_successes = json.loads((tmp_path / "DIETClassifier_successes.json").read_text())
    assert set(entity_successes[0]) == {"text", "entities", "predicted_entities"}
    assert json.loads((tmp_path / "intent_errors.json").read_text()) == []


def test_no_errors_flag_leaves_out_error_files(model, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    evaluation = evaluate_nlu(model, load_nlu_data([TINYBOT / "data"]))
    written = write_nlu_reports(evaluation, tmp_path, errors=False, plots=False)
    assert not any(p.name.endswith("_errors.json") for p in written)


def test_pictures_are_valid_images(model, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    require_matplotlib()
    nlu = cross_validation({"pipeline": [{"name": "WhitespaceTokenizer"}, {"name": "CountVectorsFeaturizer"},
                                         {"name": "LinearIntentClassifier"}]},
                           load_nlu_data([TINYBOT / "data"]), 2).evaluation
    core = run_story_evaluation(model, load_test_stories([TINYBOT / "tests"]))
    names = {p.name for p in write_nlu_reports(nlu, tmp_path) + write_core_reports(core, tmp_path)}
    for picture in ("intent_confusion_matrix.png", "intent_histogram.png", "story_confusion_matrix.png"):
        assert picture in names
        assert_valid_png(tmp_path / picture)


def test_core_files_and_the_html_page(model, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    evaluation = run_story_evaluation(model, load_test_stories([TINYBOT / "tests"]))
    written = write_core_reports(evaluation, tmp_path, successes=True, plots=False)
    assert {p.name for p in written} == {"story_report.json", "failed_test_stories.yml",
                                         "successful_test_stories.yml"}
    report = json.loads((tmp_path / "story_report.json").read_text())
    assert report["conversation_accuracy"] == {"accuracy": 1.0, "correct": 3, "with_warnings": 0, "total": 3}
    assert report["utter_weather"]["support"] == 2
    assert (tmp_path / "failed_test_stories.yml").read_text().startswith("# None of the test stories failed")
    assert "story: \"say goodbye" in (tmp_path / "successful_test_stories.yml").read_text()

    write_nlu_reports(evaluate_nlu(model, load_nlu_data([TINYBOT / "data"])), tmp_path, plots=False)
    (tmp_path / "intent_histogram.png").write_bytes(b"\x89PNG\r\n\x1a\nfake")
    page = write_html_report(tmp_path).read_text()
    assert page.startswith("<!DOCTYPE html>")
    for section in ("<h2>Intents</h2>", "<h2>Entities (DIETClassifier)</h2>", "<h2>Stories</h2>"):
        assert section in page
    # Pictures are embedded (self-contained) and linked to their files.
    assert 'href="intent_histogram.png"' in page and "data:image/png;base64," in page
    assert "3 / 3" in page


def test_html_escapes_texts(tmp_path: Path) -> None:
    (tmp_path / "intent_report.json").write_text(json.dumps({"<b>x</b>": {"precision": 1.0, "recall": 1.0,
                                                                           "f1-score": 1.0, "support": 1}}))
    (tmp_path / "intent_errors.json").write_text(json.dumps([{"text": "<script>alert(1)</script>", "intent": "a",
                                                              "intent_prediction": {"name": "b", "confidence": 0.5}}]))
    page = write_html_report(tmp_path).read_text()
    assert "<script>alert" not in page and "&lt;script&gt;" in page and "&lt;b&gt;x" in page
