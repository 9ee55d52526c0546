"""Scores the NLU accuracy benchmark reports next to the published numbers.

* Entity F1 as the DIET paper and HERMIT score HWU64: a predicted entity
  counts when its type matches a gold entity's and their tokens overlap
  (and vice versa for recall). Tokens are compared by position, which is
  at most as lenient as HERMIT's comparison of token strings.
* The same, computed exactly as HERMIT's script (reused by the DIET paper,
  ``evaluation_scripts/evaluation_nlu_evaluation_data.py``) computes it
  (:func:`hermit_counts`): tokens are compared as lower-cased strings, a
  gold entity that some prediction matches is a true positive, one that
  none matches a false positive, and a prediction that matches no gold
  entity a false negative. Its precision is thus recall and vice versa,
  which F1 does not mind, but one prediction covering two gold entities
  scores two hits.
* Exact-span entity F1 (type, start and end all equal), the stricter view.
* Expected calibration error of the top intent confidence.

Rasa's own token-level entity report comes from :mod:`engine.evaluation`.
"""
from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, Iterable, Sequence

Span = tuple[int, int]


class _Summed:
    """Integer counts that add up field by field over examples."""

    def add(self, other: _Summed) -> None:
        """Add ``other``'s counts to these."""
        for item in fields(self):  # type: ignore[arg-type]
            setattr(self, item.name, getattr(self, item.name) + getattr(other, item.name))


@dataclass
class Counts(_Summed):
    """Matched and total entity counts, summed over examples.

    Attributes:
        gold_matched: Gold entities a prediction matches.
        gold: Gold entities.
        predicted_matched: Predicted entities that match a gold one.
        predicted: Predicted entities.
    """

    gold_matched: int = 0
    gold: int = 0
    predicted_matched: int = 0
    predicted: int = 0

    @property
    def precision(self) -> float:
        """Share of predicted entities that match."""
        return self.predicted_matched / self.predicted if self.predicted else 0.0

    @property
    def recall(self) -> float:
        """Share of gold entities that are found."""
        return self.gold_matched / self.gold if self.gold else 0.0

    @property
    def f1(self) -> float:
        """Harmonic mean of precision and recall (0 when both are 0)."""
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def _token_set(tokens: Sequence[Span], start: int, end: int) -> frozenset[int]:
    return frozenset(i for i, (t_start, t_end) in enumerate(tokens) if t_start < end and t_end > start)


def _matched(kind: str, covered: frozenset[Any], others: Sequence[tuple[str, frozenset[Any]]]) -> bool:
    """Whether an entity of ``kind`` shares a token with one of the same kind in ``others``."""
    return any(kind == o_kind and covered & o_covered for o_kind, o_covered in others)


def _typed_spans(entities: Iterable[dict[str, Any]]) -> list[tuple[str, int, int]]:
    return [
        (str(e.get("entity")), int(e["start"]), int(e["end"]))
        for e in entities
        if isinstance(e.get("start"), int) and isinstance(e.get("end"), int)
    ]


def overlap_counts(
    tokens: Sequence[Span], gold: Iterable[dict[str, Any]], predicted: Iterable[dict[str, Any]]
) -> Counts:
    """Count matches of one example under overlap scoring.

    Args:
        tokens: ``(start, end)`` of the example's tokens.
        gold: Gold entities (``entity``, ``start``, ``end``).
        predicted: Predicted entities, same keys.
    """
    gold_sets = [(kind, _token_set(tokens, s, e)) for kind, s, e in _typed_spans(gold)]
    pred_sets = [(kind, _token_set(tokens, s, e)) for kind, s, e in _typed_spans(predicted)]

    return Counts(
        gold_matched=sum(_matched(k, c, pred_sets) for k, c in gold_sets),
        gold=len(gold_sets),
        predicted_matched=sum(_matched(k, c, gold_sets) for k, c in pred_sets),
        predicted=len(pred_sets),
    )


@dataclass
class HermitCounts(_Summed):
    """HERMIT's entity counts (named as its script names them), summed over examples."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def f1(self) -> float:
        """F1 of the script's precision tp/(tp+fp) and recall tp/(tp+fn)."""
        precision = self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0
        recall = self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0
        return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def hermit_counts(
    text: str, tokens: Sequence[Span], gold: Iterable[dict[str, Any]], predicted: Iterable[dict[str, Any]]
) -> HermitCounts:
    """Count one example as HERMIT's evaluation script does (see the module doc)."""

    def words(start: int, end: int) -> frozenset[str]:
        return frozenset(text[tokens[i][0] : tokens[i][1]].lower() for i in _token_set(tokens, start, end))

    gold_sets = [(kind, words(s, e)) for kind, s, e in _typed_spans(gold)]
    pred_sets = [(kind, words(s, e)) for kind, s, e in _typed_spans(predicted)]
    found = sum(_matched(k, c, pred_sets) for k, c in gold_sets)
    return HermitCounts(
        tp=found, fp=len(gold_sets) - found, fn=sum(not _matched(k, c, gold_sets) for k, c in pred_sets)
    )


def exact_counts(gold: Iterable[dict[str, Any]], predicted: Iterable[dict[str, Any]]) -> Counts:
    """Count matches of one example when type, start and end must all be equal."""
    gold_spans, pred_spans = _typed_spans(gold), _typed_spans(predicted)
    gold_set, pred_set = set(gold_spans), set(pred_spans)
    return Counts(
        gold_matched=sum(span in pred_set for span in gold_spans),
        gold=len(gold_spans),
        predicted_matched=sum(span in gold_set for span in pred_spans),
        predicted=len(pred_spans),
    )


def expected_calibration_error(confidences: Sequence[float], correct: Sequence[bool], bins: int = 15) -> float:
    """Mean gap between confidence and accuracy over equal-width confidence bins."""
    if not confidences:
        return 0.0
    total = len(confidences)
    error = 0.0
    for b in range(bins):
        low, high = b / bins, (b + 1) / bins
        members = [i for i, c in enumerate(confidences) if (low < c <= high) or (b == 0 and c == 0.0)]
        if members:
            accuracy = sum(bool(correct[i]) for i in members) / len(members)
            confidence = sum(confidences[i] for i in members) / len(members)
            error += len(members) / total * abs(accuracy - confidence)
    return error
