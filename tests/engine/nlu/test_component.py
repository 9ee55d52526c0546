"""The component contract, checked on every registered component, and Message."""
from __future__ import annotations

import copy

import pytest

from engine.data.types import NluExample
from engine.errors import ModelLoadError
from engine.nlu import registry
from engine.nlu.component import Component, Message, NotFittedError, Token
from engine.nlu.featurizers.count_vectors import CountVectorsFeaturizer
from engine.nlu.featurizers.regex import RegexFeaturizer
from engine.nlu.tokenizers.whitespace import WhitespaceTokenizer
from tests.engine.nlu.helpers import needs_encoder, prepared, restaurant_data, run

# Components that need a running service are covered in their own tests.
NEEDS_SERVICE = {"DucklingEntityExtractor"}
NEEDS_ENCODER = "SentenceEmbeddingFeaturizer"
CONTRACT_NAMES = [
    pytest.param(name, marks=[needs_encoder] if name == NEEDS_ENCODER else [])
    for name in sorted(set(registry.COMPONENTS) - NEEDS_SERVICE)
]


def has_learned_state(param: object) -> bool:
    return bool(registry.component_class(param.values[0]).learned_attributes)
TEXTS = ["book a table in Berlin for 4", "hello there", "where can I park", "zip 10115", "??"]


def upstream(component_class: type[Component]) -> list[Component]:
    """Components a component needs before it (fresh instances)."""
    needs = component_class.requires
    if "intent" in needs:
        return [WhitespaceTokenizer(), CountVectorsFeaturizer(), registry.component_class("LinearIntentClassifier")()]
    if "features" in needs:
        return [WhitespaceTokenizer(), RegexFeaturizer(), CountVectorsFeaturizer()]
    if "tokens" in needs:
        return [WhitespaceTokenizer(), RegexFeaturizer()]
    return []


def output(message: Message) -> tuple:
    return (message.intent, message.intent_ranking, message.entities, message.response_selector,
            [(b.name, b.indices.tolist(), b.values.tolist()) for b in message.features],
            message.tokens, message.token_patterns,
            None if message.token_vectors is None else message.token_vectors.tolist())


@pytest.mark.parametrize("name", CONTRACT_NAMES)
def test_defaults_merge_with_user_config(name: str) -> None:
    cls = registry.component_class(name)
    defaults = cls.get_default_config()
    assert cls().config == defaults
    if defaults:
        key = next(iter(defaults))
        assert cls({key: defaults[key], "extra": 1}).config == {**defaults, "extra": 1}
    assert cls.get_default_config() == defaults  # not mutated by instances


@pytest.mark.parametrize("name", CONTRACT_NAMES)
def test_fit_returns_self_and_sets_learned_attributes(name: str) -> None:
    cls = registry.component_class(name)
    before = upstream(cls)
    messages = prepared(before, restaurant_data())
    component = cls()
    assert component.fit(messages, restaurant_data()) is component
    assert component.is_fitted
    for attribute in cls.learned_attributes:
        assert attribute.endswith("_")


@pytest.mark.parametrize("name", [p for p in CONTRACT_NAMES if has_learned_state(p)])
def test_unfitted_use_raises_a_clear_error(name: str, tmp_path) -> None:
    cls = registry.component_class(name)
    message = run(prepared_upstream(cls), "hello")
    with pytest.raises(NotFittedError, match="not fitted"):
        cls().process(message)
    with pytest.raises(NotFittedError):
        cls().persist(tmp_path)


def prepared_upstream(cls: type[Component]) -> list[Component]:
    before = upstream(cls)
    prepared(before, restaurant_data())
    return before


@pytest.mark.parametrize("name", CONTRACT_NAMES)
def test_process_does_not_change_learned_state(name: str) -> None:
    cls = registry.component_class(name)
    before = prepared_upstream(cls)
    component = cls().fit(prepared(prepared_upstream(cls), restaurant_data()), restaurant_data())
    state = {a: copy.deepcopy(getattr(component, a)) for a in cls.learned_attributes}
    first = [output(run([*before, component], t)) for t in TEXTS]
    assert [output(run([*before, component], t)) for t in TEXTS] == first
    for attribute, value in state.items():
        assert repr(_ordered(getattr(component, attribute))) == repr(_ordered(value))


def _ordered(value: object) -> object:
    # A set's repr follows its hash table, which a copy may lay out differently.
    return sorted(value) if isinstance(value, (set, frozenset)) else value


@pytest.mark.parametrize("name", CONTRACT_NAMES)
def test_persist_load_round_trip_gives_identical_output(name: str, tmp_path) -> None:
    cls = registry.component_class(name)
    before = prepared_upstream(cls)
    component = cls().fit(prepared(prepared_upstream(cls), restaurant_data()), restaurant_data())
    component.persist(tmp_path)
    loaded = cls.load(tmp_path)
    assert loaded.config == component.config
    for text in TEXTS:
        assert output(run([*before, loaded], text)) == output(run([*before, component], text))


@pytest.mark.parametrize("name", CONTRACT_NAMES)
def test_load_of_another_component_is_refused(name: str, tmp_path) -> None:
    WhitespaceTokenizer().persist(tmp_path)
    cls = registry.component_class(name)
    if cls is WhitespaceTokenizer:
        return
    with pytest.raises(ModelLoadError):
        cls.load(tmp_path)


def test_message_from_retrieval_example_keeps_both_names() -> None:
    message = Message.from_example(NluExample("when do you open", "faq/opening_hours"))
    assert message.target_intent == "faq"
    assert message.target_response_key == "faq/opening_hours"


def test_message_to_parse_dict_uses_plain_types() -> None:
    import numpy as np

    message = Message(
        "hi",
        tokens=[Token("hi", 0, 2)],
        intent={"name": "greet", "confidence": np.float64(0.9)},
        intent_ranking=[{"name": "greet", "confidence": np.float32(0.9)}],
    )
    result = message.to_parse_dict("m1")
    assert result == {
        "text": "hi",
        "intent": {"name": "greet", "confidence": pytest.approx(0.9)},
        "entities": [],
        "intent_ranking": [{"name": "greet", "confidence": pytest.approx(0.9)}],
        "text_tokens": [[0, 2]],
        "message_id": "m1",
    }
    assert type(result["intent"]["confidence"]) is float
    assert type(result["intent_ranking"][0]["confidence"]) is float
