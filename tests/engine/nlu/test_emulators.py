"""Emulation modes of /model/parse: wit, luis, dialogflow."""
from __future__ import annotations

import pytest

from engine.errors import BadRequest
from engine.nlu.emulators import emulate

RESULT = {
    "text": "fly from NYC to Rome",
    "intent": {"name": "travel", "confidence": 0.9},
    "entities": [
        {"entity": "city", "start": 9, "end": 12, "value": "New York", "role": "departure",
         "extractor": "DIETClassifier", "confidence_entity": 0.8, "processors": ["EntitySynonymMapper"]},
        {"entity": "city", "start": 16, "end": 20, "value": "Rome", "extractor": "RegexEntityExtractor"},
    ],
    "intent_ranking": [{"name": "travel", "confidence": 0.9}, {"name": "greet", "confidence": 0.1}],
    "text_tokens": [],
}


def test_wit() -> None:
    wit = emulate("wit", RESULT)
    assert wit["text"] == RESULT["text"]
    assert wit["intents"] == [{"name": "travel", "confidence": 0.9}]
    [departure] = wit["entities"]["city:departure"]
    assert departure["body"] == "NYC" and departure["value"] == "New York" and departure["confidence"] == 0.8
    [plain] = wit["entities"]["city:city"]
    assert plain["role"] == "city" and plain["confidence"] == 1


def test_luis() -> None:
    luis = emulate("LUIS", RESULT)
    prediction = luis["prediction"]
    assert luis["query"] == prediction["normalizedQuery"] == RESULT["text"]
    assert prediction["topIntent"] == "travel"
    assert prediction["intents"] == {"travel": {"score": 0.9}, "greet": {"score": 0.1}}
    assert prediction["entities"]["departure"] == ["New York"]
    assert prediction["entities"]["$instance"]["city"][0]["startIndex"] == 16
    assert prediction["entities"]["$instance"]["city"][0]["length"] == 4


def test_dialogflow() -> None:
    result = emulate("Dialogflow", RESULT)
    query = result["queryResult"]
    assert query["queryText"] == RESULT["text"]
    assert query["intent"] == {"name": "travel", "displayName": "travel"}
    assert query["parameters"] == {"city": ["New York", "Rome"]}
    assert query["intentDetectionConfidence"] == 0.9
    assert result["responseId"]


def test_no_intent_does_not_crash() -> None:
    empty = {"text": "hi", "intent": {"name": None, "confidence": 0.0}, "entities": [], "intent_ranking": []}
    for mode in ("wit", "luis", "dialogflow"):
        assert emulate(mode, empty)


def test_unknown_mode_is_a_bad_request() -> None:
    with pytest.raises(BadRequest) as info:
        emulate("anything", RESULT)
    assert info.value.details == {"parameter": "emulation_mode", "in": "query"}
