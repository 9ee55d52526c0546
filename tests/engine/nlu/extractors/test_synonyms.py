"""EntitySynonymMapper: canonical values, case-insensitive, processors list."""
from __future__ import annotations

import pytest

from engine.data.types import NluData
from engine.nlu.component import Message, NotFittedError
from engine.nlu.extractors.synonyms import EntitySynonymMapper
from tests.engine.nlu.helpers import example, prepared

DATA = NluData(
    examples=[example("fly to [LA](city:Los Angeles)", "inform")],
    synonyms={"nyc": "New York", "new york": "New York", "big apple": "New York"},
)


def mapped(*entities: dict) -> list[dict]:
    mapper = EntitySynonymMapper()
    prepared([mapper], DATA)
    message = Message("text", entities=[dict(e) for e in entities])
    mapper.process(message)
    return message.entities


def entity(value: object) -> dict:
    return {"entity": "city", "start": 0, "end": 3, "value": value, "extractor": "DIETClassifier"}


def test_synonym_value_is_replaced_and_processor_recorded() -> None:
    assert mapped(entity("NYC")) == [{**entity("New York"), "processors": ["EntitySynonymMapper"]}]


def test_lookup_is_case_insensitive() -> None:
    assert mapped(entity("BIG Apple"))[0]["value"] == "New York"


def test_annotation_synonyms_from_training_examples() -> None:
    assert mapped(entity("la"))[0]["value"] == "Los Angeles"


def test_unknown_values_are_untouched() -> None:
    assert mapped(entity("Paris")) == [entity("Paris")]


def test_non_string_values_are_looked_up_as_text() -> None:
    assert mapped(entity(42)) == [entity(42)]


def test_existing_processors_are_kept() -> None:
    result = mapped({**entity("nyc"), "processors": ["Other"]})
    assert result[0]["processors"] == ["Other", "EntitySynonymMapper"]


def test_unfitted_use_raises() -> None:
    with pytest.raises(NotFittedError):
        EntitySynonymMapper().process(Message("x", entities=[entity("nyc")]))


def test_persist_load_round_trip(tmp_path) -> None:
    mapper = EntitySynonymMapper()
    prepared([mapper], DATA)
    mapper.persist(tmp_path)
    loaded = EntitySynonymMapper.load(tmp_path)
    assert loaded.synonyms_ == mapper.synonyms_
