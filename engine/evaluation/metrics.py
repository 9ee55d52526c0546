"""Classification metrics in the shape of Rasa's report files.

A report maps each label to ``precision``, ``recall``, ``f1-score`` and
``support`` (plus ``confused_with`` for intents), and adds ``accuracy``,
``macro avg``, ``weighted avg`` and ``micro avg``, as scikit-learn's
``classification_report(output_dict=True)`` does and Rasa writes it. The
top-level figures Rasa returns next to a report are the support-weighted
precision and F1 and the plain accuracy. Written in plain Python: the
label counts are small and the exact key layout matters more than speed.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any, Iterable, Sequence

NO_ENTITY = "no_entity"
CONFUSED_WITH_TOP = 2


@dataclass(frozen=True)
class Scores:
    """Headline figures of one evaluation.

    Attributes:
        report: The per-label report dict (see module docstring).
        precision: Support-weighted precision over the reported labels.
        f1_score: Support-weighted F1 over the reported labels.
        accuracy: Share of targets predicted exactly.
    """

    report: dict[str, Any]
    precision: float
    f1_score: float
    accuracy: float


def _ratio(numerator: float, denominator: float) -> float:
    return float(numerator) / denominator if denominator else 0.0


def _f1(precision: float, recall: float) -> float:
    return _ratio(2 * precision * recall, precision + recall)


def label_set(targets: Iterable[str], predictions: Iterable[str], exclude: str | None = None) -> list[str]:
    """Return the sorted labels seen in targets or predictions, minus ``exclude``."""
    return sorted({*targets, *predictions} - ({exclude} if exclude else set()))


def confusion_counts(targets: Sequence[str], predictions: Sequence[str]) -> Counter[tuple[str, str]]:
    """Count (target, prediction) pairs."""
    return Counter(zip(targets, predictions))


def confusion_matrix(targets: Sequence[str], predictions: Sequence[str], labels: Sequence[str]) -> list[list[int]]:
    """Return the confusion matrix as rows of counts (row = target, column = prediction)."""
    counts = confusion_counts(targets, predictions)
    return [[counts[(row, column)] for column in labels] for row in labels]


def classification_report(
    targets: Sequence[str],
    predictions: Sequence[str],
    *,
    exclude: str | None = None,
    confused_with: bool = False,
) -> Scores:
    """Score ``predictions`` against ``targets``.

    Args:
        targets: Gold labels, one per item.
        predictions: Predicted labels, aligned with ``targets``.
        exclude: A label left out of the per-label rows and averages (e.g.
            ``no_entity``); accuracy still counts every item.
        confused_with: Add each label's two most frequent wrong predictions.

    Returns:
        The report and its headline figures. With ``exclude`` the report
        has no ``accuracy`` row (as scikit-learn with a label subset), and
        ``micro avg`` is computed over the kept labels.
    """
    if len(targets) != len(predictions):
        raise ValueError("targets and predictions must have the same length")
    labels = label_set(targets, predictions, exclude)
    counts = confusion_counts(targets, predictions)
    support = Counter(targets)
    predicted = Counter(predictions)
    report: dict[str, Any] = {}
    total_tp = total_predicted = total_support = 0
    for label in labels:
        tp = counts[(label, label)]
        precision = _ratio(tp, predicted[label])
        recall = _ratio(tp, support[label])
        row: dict[str, Any] = {
            "precision": precision,
            "recall": recall,
            "f1-score": _f1(precision, recall),
            "support": support[label],
        }
        if confused_with:
            wrong = Counter({p: n for (t, p), n in counts.items() if t == label and p != label})
            row["confused_with"] = dict(wrong.most_common(CONFUSED_WITH_TOP))
        report[label] = row
        total_tp += tp
        total_predicted += predicted[label]
        total_support += support[label]
    rows = [report[label] for label in labels]
    accuracy = _ratio(sum(n for (t, p), n in counts.items() if t == p), len(targets))
    if exclude is None:
        report["accuracy"] = accuracy
    report["macro avg"] = _average(rows, total_support, weighted=False)
    report["weighted avg"] = _average(rows, total_support, weighted=True)
    micro_precision = _ratio(total_tp, total_predicted)
    micro_recall = _ratio(total_tp, total_support)
    report["micro avg"] = {
        "precision": micro_precision,
        "recall": micro_recall,
        "f1-score": _f1(micro_precision, micro_recall),
        "support": total_support,
    }
    weighted = report["weighted avg"]
    return Scores(report, weighted["precision"], weighted["f1-score"], accuracy)


def _average(rows: list[dict[str, Any]], total_support: int, *, weighted: bool) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key in ("precision", "recall", "f1-score"):
        if weighted:
            result[key] = _ratio(sum(row[key] * row["support"] for row in rows), total_support)
        else:
            result[key] = _ratio(sum(row[key] for row in rows), len(rows))
    result["support"] = total_support
    return result
