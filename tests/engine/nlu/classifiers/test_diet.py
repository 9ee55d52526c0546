"""IntentEntityClassifier: the DIETClassifier stand-in (linear intents + CRF entities)."""
from __future__ import annotations

import pytest

from engine.data.types import NluData
from engine.nlu.classifiers.diet import IntentEntityClassifier
from engine.nlu.component import NotFittedError
from engine.nlu.featurizers.count_vectors import CountVectorsFeaturizer
from engine.nlu.tokenizers.whitespace import WhitespaceTokenizer
from tests.engine.nlu.helpers import examples, prepared, restaurant_data, run


def pipeline(data: NluData, **config: object) -> list:
    components = [WhitespaceTokenizer(), CountVectorsFeaturizer(), IntentEntityClassifier(config)]
    prepared(components, data)
    return components


def test_predicts_intents_and_entities_reported_as_diet() -> None:
    components = pipeline(restaurant_data())
    message = run(components, "book a table in Berlin for 4 people")
    assert message.intent["name"] == "book_table"
    by_type = {e["entity"]: e for e in message.entities}
    assert by_type["city"]["value"] == "Berlin"
    assert by_type["city"]["extractor"] == "DIETClassifier"
    assert 0.0 < by_type["city"]["confidence_entity"] <= 1.0


def test_without_annotations_no_entity_model_is_trained() -> None:
    components = pipeline(NluData(examples=[*examples("a", "one two"), *examples("b", "three four")]))
    assert components[-1].entity_model_ is None
    assert run(components, "one").entities == []


def test_entity_recognition_can_be_switched_off() -> None:
    components = pipeline(restaurant_data(), entity_recognition=False)
    assert components[-1].entity_model_ is None
    assert run(components, "a table in Berlin").entities == []


def test_unfitted_use_raises() -> None:
    with pytest.raises(NotFittedError):
        IntentEntityClassifier().process(run([WhitespaceTokenizer()], "hi"))


def test_persist_load_round_trip(tmp_path) -> None:
    components = pipeline(restaurant_data())
    components[-1].persist(tmp_path)
    loaded = [*components[:-1], IntentEntityClassifier.load(tmp_path)]
    for text in ["book a table in Rome", "hello", "reserve a table for 2 in Paris"]:
        a, b = run(components, text), run(loaded, text)
        assert (a.intent_ranking, a.entities) == (b.intent_ranking, b.entities)
