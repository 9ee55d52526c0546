"""RegexEntityExtractor: entity-named regexes and lookup tables."""
from __future__ import annotations

import pytest

from engine.data.types import NluData
from engine.nlu.component import NotFittedError
from engine.nlu.extractors.regex import RegexEntityExtractor
from tests.engine.nlu.helpers import example, prepared, run

DATA = NluData(
    examples=[example("I live in [Berlin](city), zip [10115](zipcode)", "inform")],
    regexes=[{"name": "zipcode", "pattern": r"\d{5}"}, {"name": "not_an_entity", "pattern": r"\d+"}],
    lookups=[{"name": "city", "elements": ["Berlin", "New York", "Rome"]}],
)


def fitted(**config: object) -> RegexEntityExtractor:
    extractor = RegexEntityExtractor(config)
    prepared([extractor], DATA)
    return extractor


def test_extracts_entities_named_like_patterns() -> None:
    message = run([fitted()], "Moving from new york to 80331")
    assert message.entities == [
        {"entity": "zipcode", "start": 24, "end": 29, "value": "80331", "extractor": "RegexEntityExtractor"},
        {"entity": "city", "start": 12, "end": 20, "value": "new york", "extractor": "RegexEntityExtractor"},
    ]


def test_patterns_not_named_like_an_entity_are_ignored() -> None:
    assert [p["name"] for p in fitted().patterns_] == ["zipcode", "city"]


def test_rasa_defaults() -> None:
    assert RegexEntityExtractor().config == {
        "case_sensitive": False,
        "use_lookup_tables": True,
        "use_regexes": True,
        "use_word_boundaries": True,
    }


def test_case_sensitive_option() -> None:
    assert run([fitted(case_sensitive=True)], "rome").entities == []
    assert [e["value"] for e in run([fitted(case_sensitive=True)], "Rome").entities] == ["Rome"]


def test_word_boundaries_for_lookups() -> None:
    assert run([fitted()], "Romeo").entities == []
    assert run([fitted(use_word_boundaries=False)], "Romeo").entities[0]["value"] == "Rome"


def test_lookups_and_regexes_can_be_switched_off() -> None:
    assert [e["entity"] for e in run([fitted(use_lookup_tables=False)], "Rome 12345").entities] == ["zipcode"]
    assert [e["entity"] for e in run([fitted(use_regexes=False)], "Rome 12345").entities] == ["city"]


def test_unfitted_use_raises() -> None:
    with pytest.raises(NotFittedError):
        run([RegexEntityExtractor()], "Rome")


def test_persist_load_round_trip(tmp_path) -> None:
    extractor = fitted()
    extractor.persist(tmp_path)
    loaded = RegexEntityExtractor.load(tmp_path)
    text = "Rome, 12345 and New York"
    assert run([loaded], text).entities == run([extractor], text).entities
