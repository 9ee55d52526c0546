"""FallbackClassifier: nlu_fallback for low or ambiguous confidence (Rasa 3.x)."""
from __future__ import annotations

import pytest

from engine.errors import DataError
from engine.nlu.classifiers.fallback import FallbackClassifier
from engine.nlu.component import Message


def predicted(*ranking: tuple[str, float]) -> Message:
    entries = [{"name": n, "confidence": c} for n, c in ranking]
    return Message("text", intent=dict(entries[0]), intent_ranking=entries)


def test_low_confidence_falls_back_with_threshold_as_confidence() -> None:
    message = predicted(("greet", 0.25), ("bye", 0.05))
    FallbackClassifier().process(message)
    assert message.intent == {"name": "nlu_fallback", "confidence": 0.3}
    assert message.intent_ranking[0] == {"name": "nlu_fallback", "confidence": 0.3}
    assert [r["name"] for r in message.intent_ranking[1:]] == ["greet", "bye"]


def test_ambiguous_prediction_falls_back() -> None:
    message = predicted(("greet", 0.48), ("bye", 0.42))
    FallbackClassifier().process(message)
    assert message.intent["name"] == "nlu_fallback"


def test_confident_prediction_is_kept() -> None:
    message = predicted(("greet", 0.9), ("bye", 0.05))
    FallbackClassifier().process(message)
    assert message.intent == {"name": "greet", "confidence": 0.9}
    assert len(message.intent_ranking) == 2


def test_configured_thresholds() -> None:
    message = predicted(("greet", 0.6), ("bye", 0.1))
    FallbackClassifier({"threshold": 0.7}).process(message)
    assert message.intent == {"name": "nlu_fallback", "confidence": 0.7}


def test_message_without_prediction_is_left_alone() -> None:
    message = Message("text")
    FallbackClassifier().process(message)
    assert message.intent is None and message.intent_ranking == []


def test_defaults_and_fit_returns_self() -> None:
    classifier = FallbackClassifier({"threshold": 0.5})
    assert classifier.config == {"threshold": 0.5, "ambiguity_threshold": 0.1}
    assert classifier.fit([]) is classifier


def test_bad_threshold_is_a_data_error() -> None:
    with pytest.raises(DataError, match="threshold"):
        FallbackClassifier({"threshold": "high"}).validate_config()


def test_persist_load_round_trip(tmp_path) -> None:
    FallbackClassifier({"threshold": 0.6}).fit([]).persist(tmp_path)
    loaded = FallbackClassifier.load(tmp_path)
    message = predicted(("greet", 0.5), ("bye", 0.1))
    loaded.process(message)
    assert message.intent == {"name": "nlu_fallback", "confidence": 0.6}
