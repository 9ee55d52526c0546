"""Benchmark scores: overlap and exact entity F1, calibration error."""
from __future__ import annotations

import pytest

from engine.nlu.scoring import Counts, exact_counts, expected_calibration_error, overlap_counts

TOKENS = [(0, 4), (5, 8), (9, 12), (13, 17), (18, 24)]  # "play the new york songs"


def entity(kind: str, start: int, end: int) -> dict:
    return {"entity": kind, "start": start, "end": end}


def test_overlapping_span_of_the_right_type_counts_both_ways() -> None:
    gold = [entity("city", 9, 17)]
    counts = overlap_counts(TOKENS, gold, [entity("city", 13, 17)])
    assert (counts.gold_matched, counts.gold, counts.predicted_matched, counts.predicted) == (1, 1, 1, 1)
    assert exact_counts(gold, [entity("city", 13, 17)]).f1 == 0.0


def test_wrong_type_or_no_overlap_does_not_count() -> None:
    gold = [entity("city", 9, 17)]
    assert overlap_counts(TOKENS, gold, [entity("song", 9, 17)]).f1 == 0.0
    assert overlap_counts(TOKENS, gold, [entity("city", 0, 4)]).f1 == 0.0


def test_counts_add_up_to_micro_f1() -> None:
    total = Counts()
    total.add(overlap_counts(TOKENS, [entity("city", 9, 17)], [entity("city", 9, 17), entity("genre", 18, 24)]))
    total.add(overlap_counts(TOKENS, [entity("genre", 18, 24)], []))
    assert (total.precision, total.recall) == (0.5, 0.5)
    assert total.f1 == pytest.approx(0.5)
    assert Counts().f1 == 0.0


def test_expected_calibration_error() -> None:
    assert expected_calibration_error([0.9] * 10, [True] * 9 + [False]) == pytest.approx(0.0)
    assert expected_calibration_error([1.0, 1.0], [False, False]) == pytest.approx(1.0)
    assert expected_calibration_error([], []) == 0.0


def test_hermit_counts_compare_token_strings_and_count_gold_hits() -> None:
    from engine.nlu.scoring import HermitCounts, hermit_counts

    text = "jim and jim met"
    tokens = [(0, 3), (4, 7), (8, 11), (12, 15)]
    gold = [entity("person", 0, 3), entity("person", 8, 11)]
    # One prediction covering both names: both gold entities are hits, as the script counts.
    one = hermit_counts(text, tokens, gold, [entity("person", 0, 11)])
    assert (one.tp, one.fp, one.fn) == (2, 0, 0)
    assert overlap_counts(tokens, gold, [entity("person", 0, 11)]).f1 == pytest.approx(1.0)
    # The second "jim" is matched by its string, wherever it stands.
    shifted = hermit_counts(text, tokens, [entity("person", 8, 11)], [entity("person", 0, 3), entity("person", 12, 15)])
    assert (shifted.tp, shifted.fp, shifted.fn) == (1, 0, 1)
    assert overlap_counts(tokens, [entity("person", 8, 11)], [entity("person", 0, 3)]).f1 == 0.0
    total = HermitCounts()
    total.add(shifted)
    total.add(hermit_counts(text, tokens, [entity("person", 12, 15)], []))
    assert (total.tp, total.fp, total.fn) == (1, 1, 1)
    assert total.f1 == pytest.approx(0.5)
