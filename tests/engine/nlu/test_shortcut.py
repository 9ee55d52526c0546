"""parse_shortcut: Rasa's /intent@confidence{entities} message syntax."""
from __future__ import annotations

import pytest

from engine.nlu.shortcut import parse_shortcut

INTENTS = {"greet", "inform", "faq"}
ENTITIES = {"city", "number"}


def test_plain_intent() -> None:
    assert parse_shortcut("/greet", INTENTS, ENTITIES) == {
        "text": "/greet",
        "intent": {"name": "greet", "confidence": 1.0},
        "entities": [],
        "intent_ranking": [{"name": "greet", "confidence": 1.0}],
        "text_tokens": [],
    }


def test_confidence() -> None:
    result = parse_shortcut("/greet@0.8", INTENTS, ENTITIES)
    assert result["intent"] == {"name": "greet", "confidence": 0.8}
    assert result["intent_ranking"] == [{"name": "greet", "confidence": 0.8}]


def test_confidence_above_one_is_clipped_and_garbage_is_zero() -> None:
    assert parse_shortcut("/greet@3", INTENTS, ENTITIES)["intent"]["confidence"] == 1.0
    assert parse_shortcut("/greet@0.5.1", INTENTS, ENTITIES)["intent"]["confidence"] == 0.0


def test_entities_span_the_json_object() -> None:
    text = '/inform{"city": "Berlin"}'
    result = parse_shortcut(text, INTENTS, ENTITIES)
    [entity] = result["entities"]
    assert (entity["entity"], entity["value"]) == ("city", "Berlin")
    assert text[entity["start"] : entity["end"]] == '{"city": "Berlin"}'


def test_list_values_give_one_entity_each() -> None:
    result = parse_shortcut('/inform@0.5{"city": ["Berlin", "Rome"], "number": 3}', INTENTS, ENTITIES)
    assert [(e["entity"], e["value"]) for e in result["entities"]] == [("city", "Berlin"), ("city", "Rome"), ("number", 3)]
    assert result["intent"]["confidence"] == 0.5


def test_unknown_intent_is_parsed_as_text() -> None:
    assert parse_shortcut("/unknown", INTENTS, ENTITIES) is None


def test_without_known_intents_any_intent_is_accepted() -> None:
    assert parse_shortcut("/anything", None, None)["intent"]["name"] == "anything"


def test_unknown_entity_types_are_dropped() -> None:
    result = parse_shortcut('/inform{"city": "Rome", "planet": "Mars"}', INTENTS, ENTITIES)
    assert [e["entity"] for e in result["entities"]] == ["city"]


def test_invalid_json_keeps_the_intent_without_entities() -> None:
    result = parse_shortcut("/inform{city: Rome}", INTENTS, ENTITIES)
    assert result["intent"]["name"] == "inform" and result["entities"] == []


def test_surrounding_whitespace_is_stripped() -> None:
    assert parse_shortcut("  /greet \n", INTENTS, ENTITIES)["text"] == "/greet"


@pytest.mark.parametrize("text", ["hello", "", "/", "greet/", "  "])
def test_ordinary_text_is_not_a_shortcut(text: str) -> None:
    assert parse_shortcut(text, INTENTS, ENTITIES) is None


def test_confidences_are_plain_floats() -> None:
    result = parse_shortcut("/greet@1", INTENTS, ENTITIES)
    assert type(result["intent"]["confidence"]) is float
