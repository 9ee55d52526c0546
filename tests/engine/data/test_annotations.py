"""Entity markup in examples: plain text, offsets, values, roles and groups."""
from __future__ import annotations

import pytest

from engine.data.annotations import parse_annotated_text
from engine.errors import DataError


def test_plain_text_has_no_entities():
    assert parse_annotated_text("hello there") == ("hello there", [])


def test_simple_annotation():
    text, entities = parse_annotated_text("weather in [Berlin](city) today")
    assert text == "weather in Berlin today"
    assert entities == [{"start": 11, "end": 17, "value": "Berlin", "entity": "city"}]
    assert text[11:17] == "Berlin"


def test_annotation_with_value():
    text, entities = parse_annotated_text("I want [NYC](city:New York)")
    assert text == "I want NYC"
    assert entities == [{"start": 7, "end": 10, "value": "New York", "entity": "city"}]


def test_json_annotation_with_role_and_group():
    text, entities = parse_annotated_text(
        'fly from [Berlin]{"entity": "city", "role": "departure"} to '
        '[Rome]{"entity": "city", "role": "destination", "group": 1}'
    )
    assert text == "fly from Berlin to Rome"
    assert entities == [
        {"start": 9, "end": 15, "value": "Berlin", "entity": "city", "role": "departure"},
        {"start": 19, "end": 23, "value": "Rome", "entity": "city", "role": "destination", "group": "1"},
    ]


def test_json_annotation_value_may_be_any_json():
    _, entities = parse_annotated_text('[two]{"entity": "number", "value": 2}')
    assert entities[0]["value"] == 2


def test_several_entities_on_one_surface():
    text, entities = parse_annotated_text('in [Paris][{"entity": "city"}, {"entity": "location", "value": "FR"}]')
    assert text == "in Paris"
    assert [(e["entity"], e["value"], e["start"], e["end"]) for e in entities] == [
        ("city", "Paris", 3, 8),
        ("location", "FR", 3, 8),
    ]


def test_unicode_offsets_count_characters():
    text, entities = parse_annotated_text("🌧 in [Zürich](city) und [São Paulo](city) 🌞")
    assert text == "🌧 in Zürich und São Paulo 🌞"
    for entity in entities:
        assert text[entity["start"] : entity["end"]] == entity["value"]
    assert entities[0]["start"] == 5


def test_offsets_account_for_earlier_markup():
    text, entities = parse_annotated_text("[a](x) [bb](y:B) [ccc]{\"entity\": \"z\"}")
    assert text == "a bb ccc"
    assert [(e["start"], e["end"]) for e in entities] == [(0, 1), (2, 4), (5, 8)]


@pytest.mark.parametrize(
    "literal",
    ["a [link] here", "array[0] = 1", "[](city)", "[x](:value)", "[x](city:)", "no close [bracket(city)", "[x]{"],
)
def test_brackets_without_a_valid_annotation_stay_literal(literal):
    assert parse_annotated_text(literal) == (literal, [])


def test_invalid_json_annotation_is_a_data_error():
    with pytest.raises(DataError, match="not valid JSON"):
        parse_annotated_text('[Berlin]{"entity": city}')


def test_json_annotation_needs_entity_key():
    with pytest.raises(DataError, match='"entity"'):
        parse_annotated_text('[Berlin]{"value": "x"}')
