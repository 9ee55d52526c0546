"""Rasa's JSON NLU data ({"rasa_nlu_data": ...}) as NLU test data."""
from __future__ import annotations

import orjson
import pytest

from engine.api.nlu_json import read_rasa_nlu_json
from engine.errors import BadRequest


def test_every_section_is_read() -> None:
    data = read_rasa_nlu_json(orjson.dumps({"rasa_nlu_data": {
        "common_examples": [{"text": "fly to NYC", "intent": "book", "entities": [
            {"start": 7, "end": 10, "entity": "city", "value": "New York", "role": "to"}]},
            {"text": "no intent here"}],
        "entity_synonyms": [{"value": "New York", "synonyms": ["NYC", "the big apple"]}],
        "regex_features": [{"name": "zip", "pattern": "[0-9]{5}"}],
        "lookup_tables": [{"name": "city", "elements": ["Berlin", "Paris"]}],
    }}).decode())
    assert [(e.text, e.intent) for e in data.examples] == [("fly to NYC", "book"), ("no intent here", None)]
    assert data.examples[0].entities == [{"start": 7, "end": 10, "entity": "city", "value": "New York", "role": "to"}]
    assert data.synonyms == {"new york": "New York", "nyc": "New York", "the big apple": "New York"}
    assert data.regexes == [{"name": "zip", "pattern": "[0-9]{5}"}]
    assert data.lookups == [{"name": "city", "elements": ["Berlin", "Paris"]}]


def test_an_entity_value_defaults_to_its_text() -> None:
    data = read_rasa_nlu_json('{"rasa_nlu_data": {"common_examples": [{"text": "in Rome", "intent": "inform",'
                              ' "entities": [{"start": 3, "end": 7, "entity": "city"}]}]}}')
    assert data.examples[0].entities[0]["value"] == "Rome"


@pytest.mark.parametrize("entity", [{"start": 0, "end": 99, "entity": "x"}, {"start": 0, "end": 1}, "city"])
def test_bad_entities_are_400(entity: object) -> None:
    body = orjson.dumps({"rasa_nlu_data": {"common_examples": [{"text": "abc", "intent": "i", "entities": [entity]}]}})
    with pytest.raises(BadRequest, match="example 0"):
        read_rasa_nlu_json(body.decode())
