"""ResponseSelector: Rasa's response_selector block for retrieval intents."""
from __future__ import annotations

import pytest

from engine.data.types import NluData
from engine.nlu.component import NotFittedError
from engine.nlu.featurizers.count_vectors import CountVectorsFeaturizer
from engine.nlu.selectors.response_selector import ResponseSelector, response_id
from engine.nlu.tokenizers.whitespace import WhitespaceTokenizer
from tests.engine.nlu.helpers import examples, prepared, restaurant_data, run


def pipeline(data: NluData, **config: object) -> list:
    components = [WhitespaceTokenizer(), CountVectorsFeaturizer(), ResponseSelector(config)]
    prepared(components, data)
    return components


def test_selects_the_response_of_the_retrieval_intent() -> None:
    block = run(pipeline(restaurant_data(), retrieval_intent="faq"), "where can I park my car").response_selector
    assert block["all_retrieval_intents"] == ["faq"]
    response = block["faq"]["response"]
    assert response["intent_response_key"] == "faq/parking"
    assert response["utter_action"] == "utter_faq/parking"
    assert response["responses"] == [{"text": "Park behind the building."}]
    assert 0.5 < response["confidence"] <= 1.0
    ranking = block["faq"]["ranking"]
    assert [r["intent_response_key"] for r in ranking] == ["faq/parking", "faq/opening_hours"]
    assert ranking[0]["id"] == response_id("faq/parking")


def test_without_retrieval_intent_the_key_is_default() -> None:
    block = run(pipeline(restaurant_data()), "when do you open").response_selector
    assert block["default"]["response"]["intent_response_key"] == "faq/opening_hours"


def test_no_retrieval_intents_gives_rasas_empty_block() -> None:
    block = run(pipeline(NluData(examples=examples("greet", "hi", "hello"))), "hi").response_selector
    assert block == {
        "all_retrieval_intents": [],
        "default": {
            "response": {"responses": None, "confidence": 0.0, "intent_response_key": None, "utter_action": "utter_None"},
            "ranking": [],
        },
    }


def test_unfitted_use_raises() -> None:
    with pytest.raises(NotFittedError):
        ResponseSelector().process(run([WhitespaceTokenizer()], "hi"))


def test_persist_load_round_trip(tmp_path) -> None:
    components = pipeline(restaurant_data(), retrieval_intent="faq")
    components[-1].persist(tmp_path)
    loaded = [*components[:-1], ResponseSelector.load(tmp_path)]
    for text in ["is there parking", "are you open"]:
        assert run(loaded, text).response_selector == run(components, text).response_selector
