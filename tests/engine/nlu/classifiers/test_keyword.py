"""KeywordIntentClassifier: whole-word substring match of training examples."""
from __future__ import annotations

import pytest

from engine.data.types import NluData
from engine.nlu.classifiers.keyword import KeywordIntentClassifier
from engine.nlu.component import Message, NotFittedError
from tests.engine.nlu.helpers import examples, prepared, run

DATA = NluData(
    examples=[
        *examples("greet", "hello", "hi"),
        *examples("goodbye", "bye", "see you"),
        *examples("thanks", "thank you", "bye"),  # "bye" is ambiguous
    ]
)


def fitted(**config: object) -> KeywordIntentClassifier:
    classifier = KeywordIntentClassifier(config)
    prepared([classifier], DATA)
    return classifier


def test_keyword_found_in_text_gives_its_intent() -> None:
    message = run([fitted()], "well hello there")
    assert message.intent == {"name": "greet", "confidence": 1.0}
    assert message.intent_ranking == [{"name": "greet", "confidence": 1.0}]
    assert run([fitted()], "ok see you tomorrow").intent["name"] == "goodbye"


def test_only_whole_words_match() -> None:
    assert run([fitted()], "this is high").intent == {"name": None, "confidence": 0.0}


def test_case_sensitive_by_default() -> None:
    assert run([fitted()], "HELLO").intent["name"] is None
    assert run([fitted(case_sensitive=False)], "HELLO").intent["name"] == "greet"


def test_keyword_of_two_intents_is_dropped() -> None:
    classifier = fitted()
    assert "bye" not in classifier.keywords_
    assert run([classifier], "bye").intent["name"] is None


def test_no_match_keeps_an_earlier_prediction() -> None:
    message = Message("nothing matches", intent={"name": "other", "confidence": 0.8})
    fitted().process(message)
    assert message.intent == {"name": "other", "confidence": 0.8}


def test_unfitted_use_raises() -> None:
    with pytest.raises(NotFittedError):
        run([KeywordIntentClassifier()], "hello")


def test_persist_load_round_trip(tmp_path) -> None:
    classifier = fitted()
    classifier.persist(tmp_path)
    loaded = KeywordIntentClassifier.load(tmp_path)
    for text in ["hello", "see you", "thank you", "nothing"]:
        assert run([loaded], text).intent == run([classifier], text).intent
