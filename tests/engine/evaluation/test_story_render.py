"""Hand-written test-story YAML: markup and quoting that load back unchanged."""
from __future__ import annotations

import yaml

from engine.data.annotations import parse_annotated_text
from engine.evaluation.story_render import annotated_text, scalar


def test_markup_round_trips_through_the_annotation_parser() -> None:
    text = "fly from Berlin to New York"
    entities = [
        {"entity": "city", "value": "Berlin", "start": 9, "end": 15, "role": "from"},
        {"entity": "city", "value": "NYC", "start": 19, "end": 27},
    ]
    marked = annotated_text(text, entities)
    plain, parsed = parse_annotated_text(marked)
    assert plain == text
    assert [(e["value"], e.get("role")) for e in parsed] == [("Berlin", "from"), ("NYC", None)]
    assert annotated_text("hi [x]", []) == "hi [x]"


def test_simple_entities_use_the_short_form() -> None:
    assert annotated_text("in Rome", [{"entity": "city", "value": "Rome", "start": 3, "end": 7}]) == "in [Rome](city)"


def test_scalars_that_yaml_would_misread_are_quoted() -> None:
    for value in ("yes", "no", "null", "1.5", "a: b", "#x", "", None, True, 3, "utter_ok", "faq/ask_x"):
        assert yaml.safe_load(f"key: {scalar(value)}")["key"] == value
    assert scalar("utter_ok") == "utter_ok"
