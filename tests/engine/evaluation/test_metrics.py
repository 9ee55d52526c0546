"""Classification reports in Rasa's layout, with numbers checked by hand."""
from __future__ import annotations

import pytest

from engine.evaluation.metrics import NO_ENTITY, classification_report, confusion_matrix


def test_report_rows_averages_and_headline_figures() -> None:
    targets = ["greet", "greet", "greet", "bye", "bye", "ask"]
    predictions = ["greet", "greet", "bye", "bye", "greet", "ask"]
    scores = classification_report(targets, predictions, confused_with=True)
    report = scores.report
    assert list(report) == ["ask", "bye", "greet", "accuracy", "macro avg", "weighted avg", "micro avg"]
    assert report["greet"] == {"precision": pytest.approx(2 / 3), "recall": pytest.approx(2 / 3),
                               "f1-score": pytest.approx(2 / 3), "support": 3, "confused_with": {"bye": 1}}
    assert report["bye"]["precision"] == pytest.approx(0.5)
    assert report["bye"]["confused_with"] == {"greet": 1}
    assert report["ask"]["confused_with"] == {}
    assert report["accuracy"] == pytest.approx(4 / 6)
    assert report["macro avg"]["f1-score"] == pytest.approx((1 + 0.5 + 2 / 3) / 3)
    assert report["weighted avg"]["support"] == 6
    assert report["micro avg"]["precision"] == pytest.approx(4 / 6)
    assert scores.precision == pytest.approx(report["weighted avg"]["precision"])
    assert scores.f1_score == pytest.approx((1 * 1 + 0.5 * 2 + 2 / 3 * 3) / 6)
    assert scores.accuracy == pytest.approx(4 / 6)


def test_excluded_label_is_left_out_of_rows_and_micro_average() -> None:
    targets = [NO_ENTITY, "city", "city", NO_ENTITY]
    predictions = [NO_ENTITY, "city", NO_ENTITY, "city"]
    scores = classification_report(targets, predictions, exclude=NO_ENTITY)
    assert NO_ENTITY not in scores.report and "accuracy" not in scores.report
    assert scores.report["city"]["precision"] == pytest.approx(0.5)
    assert scores.report["micro avg"] == {"precision": 0.5, "recall": 0.5, "f1-score": 0.5, "support": 2}
    assert scores.accuracy == pytest.approx(0.5)


def test_confusion_matrix_rows_are_targets() -> None:
    assert confusion_matrix(["a", "a", "b"], ["a", "b", "b"], ["a", "b"]) == [[1, 1], [0, 1]]


def test_empty_input_gives_zeros_not_errors() -> None:
    scores = classification_report([], [])
    assert scores.accuracy == 0.0 and scores.report["weighted avg"]["support"] == 0


def test_mismatched_lengths_are_refused() -> None:
    with pytest.raises(ValueError):
        classification_report(["a"], [])
