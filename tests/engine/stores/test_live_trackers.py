"""Trackers kept between turns: reused only for the same model and store version."""
from __future__ import annotations

from engine.stores.tracker.live import LiveTrackers

MODEL, OTHER_MODEL = object(), object()


def test_a_kept_tracker_is_taken_once_at_the_same_version() -> None:
    live = LiveTrackers()
    tracker = object()
    live.keep("a", MODEL, tracker, 3)
    assert live.take("a", MODEL, 3) is tracker
    assert live.take("a", MODEL, 3) is None  # taken out: a failed turn cannot leave it behind


def test_another_version_model_or_an_unknown_version_misses() -> None:
    live = LiveTrackers()
    for model, version in ((MODEL, 4), (OTHER_MODEL, 3), (MODEL, None)):
        live.keep("a", MODEL, object(), 3)
        assert live.take("a", model, version) is None


def test_nothing_is_kept_without_a_version_and_the_oldest_goes_first() -> None:
    live = LiveTrackers(capacity=2)
    live.keep("none", MODEL, object(), None)
    assert live.take("none", MODEL, None) is None
    kept = {name: object() for name in "abc"}
    for name, tracker in kept.items():
        live.keep(name, MODEL, tracker, 1)
    assert live.take("a", MODEL, 1) is None
    assert live.take("b", MODEL, 1) is kept["b"] and live.take("c", MODEL, 1) is kept["c"]


def test_clear_forgets_everything() -> None:
    live = LiveTrackers()
    live.keep("a", MODEL, object(), 1)
    live.clear()
    assert live.take("a", MODEL, 1) is None
