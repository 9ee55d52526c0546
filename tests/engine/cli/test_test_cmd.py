"""``parley test`` / ``test nlu`` / ``test core`` on real bots: report files, pictures, exit codes."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.cli.main import main
from tests.conftest import shared_path
from tests.engine.evaluation.pictures import assert_valid_png, require_matplotlib
from tests.engine.evaluation.trained import TINYBOT, trained_archive

AVERAGES = ("accuracy", "macro avg", "weighted avg", "micro avg")


def _rows(report: dict) -> dict:
    return {k: v for k, v in report.items() if k not in AVERAGES and k != "conversation_accuracy"}


@pytest.mark.parametrize("bot", ["moodbot", "formbot"])
def test_parley_test_writes_reports_and_pictures(bot: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    require_matplotlib()
    project = shared_path("data", "bots", bot)
    archive = trained_archive(project)
    out = tmp_path / "results"
    code = main(["test", "-m", str(archive), "--stories", str(project / "tests"), "--nlu", str(project / "data"),
                 "--out", str(out)])
    printed = capsys.readouterr().out
    assert code == 0, printed
    assert "Stories: " in printed and "Intents: accuracy" in printed

    from engine.evaluation.inputs import load_nlu_data

    examples = load_nlu_data([project / "data"]).examples
    intents = json.loads((out / "intent_report.json").read_text())
    rows = _rows(intents)
    assert set(rows) == {e.intent for e in examples}
    assert sum(row["support"] for row in rows.values()) == len(examples)
    for row in rows.values():
        assert set(row) == {"precision", "recall", "f1-score", "support", "confused_with"}
        assert 0.0 <= row["f1-score"] <= 1.0
    assert intents["weighted avg"]["support"] == len(examples)
    assert intents["accuracy"] > 0.9  # tested on its own training data
    errors = json.loads((out / "intent_errors.json").read_text())
    assert isinstance(errors, list) and len(errors) == round((1 - intents["accuracy"]) * len(examples))

    stories = json.loads((out / "story_report.json").read_text())
    assert stories["conversation_accuracy"]["total"] >= 3
    assert stories["conversation_accuracy"]["correct"] == stories["conversation_accuracy"]["total"]
    assert stories["action_listen"]["support"] > 0 and stories["accuracy"] == 1.0
    assert (out / "failed_test_stories.yml").read_text().startswith("# None of the test stories failed")

    for picture in ("intent_confusion_matrix.png", "intent_histogram.png", "story_confusion_matrix.png"):
        assert_valid_png(out / picture)
    if bot == "formbot":  # entities: cuisine, seating, feedback annotated
        entity = json.loads((out / "DIETClassifier_report.json").read_text())
        assert {"cuisine", "seating", "feedback"} <= set(_rows(entity))
        assert_valid_png(out / "DIETClassifier_confusion_matrix.png")
    page = (out / "report.html").read_text()
    assert "<h2>Intents</h2>" in page and "<h2>Stories</h2>" in page


def test_cross_validation_prints_fold_means(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "cv"
    code = main(["test", "nlu", "--cross-validation", "--folds", "3", "-c", str(TINYBOT / "config.yml"),
                 "--nlu", str(TINYBOT / "data"), "--out", str(out), "--no-plot"])
    printed = capsys.readouterr().out
    assert code == 0
    assert "Cross-validation with 3 folds" in printed and "intent: accuracy" in printed
    report = json.loads((out / "intent_report.json").read_text())
    assert report["weighted avg"]["support"] == 37
    assert not list(out.glob("*.png"))


def test_failing_story_is_reported_and_can_fail_the_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stories = tmp_path / "test_wrong.yml"
    stories.write_text(
        'version: "3.1"\nstories:\n- story: greet answered with goodbye\n  steps:\n'
        "  - user: hello\n    intent: greet\n  - action: utter_goodbye\n"
    )
    archive = trained_archive(TINYBOT)
    out = tmp_path / "results"
    argv = ["test", "core", "-m", str(archive), "--stories", str(stories), "--out", str(out), "--no-plot"]
    assert main(argv) == 0
    assert main([*argv, "--fail-on-prediction-errors"]) == 1
    printed = capsys.readouterr().out
    assert "Stories: 0 of 1 correct" in printed
    failed = (out / "failed_test_stories.yml").read_text()
    assert "- action: utter_goodbye  # predicted: utter_greet" in failed


def test_missing_inputs_are_clear_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    archive = trained_archive(TINYBOT)
    code = main(["test", "core", "-m", str(archive), "--stories", str(tmp_path / "nope"), "--out", str(tmp_path)])
    assert code == 1
    assert "test data path not found" in capsys.readouterr().err


def test_help_lists_the_rasa_flags(capsys: pytest.CaptureFixture[str]) -> None:
    for argv, flags in ((["test", "nlu", "--help"], ("--nlu", "--cross-validation", "--folds", "--out", "--successes")),
                        (["test", "core", "--help"], ("--stories", "--e2e", "--fail-on-prediction-errors")),
                        (["data", "validate", "--help"], ("--domain", "--data", "--fail-on-warnings")),
                        (["shell", "--help"], ("--model", "--debug", "--conversation-id"))):
        with pytest.raises(SystemExit):
            main(argv)
        text = capsys.readouterr().out
        for flag in flags:
            assert flag in text, (argv, flag)
