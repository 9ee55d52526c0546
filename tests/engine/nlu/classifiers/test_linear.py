"""LinearIntentClassifier: intents, ranking, confidences, persistence."""
from __future__ import annotations

import pytest

from engine.data.types import NluData
from engine.errors import DataError
from engine.nlu.classifiers.linear import LinearIntentClassifier
from engine.nlu.component import NotFittedError
from engine.nlu.featurizers.count_vectors import CountVectorsFeaturizer
from engine.nlu.tokenizers.whitespace import WhitespaceTokenizer
from tests.engine.nlu.helpers import examples, prepared, restaurant_data, run


def pipeline(data: NluData, **config: object) -> list:
    components = [
        WhitespaceTokenizer(),
        CountVectorsFeaturizer(),
        CountVectorsFeaturizer({"analyzer": "char_wb", "min_ngram": 1, "max_ngram": 4}),
        LinearIntentClassifier(config),
    ]
    prepared(components, data)
    return components


def test_predicts_the_right_intent_with_high_confidence() -> None:
    components = pipeline(restaurant_data())
    for text, intent in [("hello there", "greet"), ("bye for now", "goodbye"), ("a table in Paris", "book_table")]:
        message = run(components, text)
        assert message.intent["name"] == intent
        assert message.intent["confidence"] > 0.5


def test_retrieval_intents_are_classified_by_their_base_name() -> None:
    components = pipeline(restaurant_data())
    assert "faq" in components[-1].classes
    assert "faq/parking" not in components[-1].classes
    assert run(components, "where do I park").intent["name"] == "faq"


def test_ranking_is_sorted_capped_and_confidences_are_floats() -> None:
    data = NluData(examples=[e for i in range(15) for e in examples(f"intent_{i}", f"word{i} alpha", f"word{i} beta")])
    components = pipeline(data)
    ranking = run(components, "word3 alpha").intent_ranking
    assert len(ranking) == 10
    confidences = [r["confidence"] for r in ranking]
    assert confidences == sorted(confidences, reverse=True)
    assert all(type(c) is float for c in confidences)
    assert ranking[0]["name"] == "intent_3"


def test_ranking_length_option() -> None:
    components = pipeline(restaurant_data(), ranking_length=2)
    assert len(run(components, "hello").intent_ranking) == 2


def test_single_intent_gets_full_confidence() -> None:
    components = pipeline(NluData(examples=examples("greet", "hi", "hello")))
    message = run(components, "something else entirely")
    assert message.intent == {"name": "greet", "confidence": 1.0}
    assert message.intent_ranking == [{"name": "greet", "confidence": 1.0}]


def test_two_intents_work() -> None:
    components = pipeline(NluData(examples=[*examples("yes", "yes", "sure", "ok"), *examples("no", "no", "nope", "never")]))
    assert run(components, "sure").intent["name"] == "yes"
    assert run(components, "nope").intent["name"] == "no"
    assert sum(r["confidence"] for r in run(components, "nope").intent_ranking) == pytest.approx(1.0)


def test_no_intents_predicts_nothing() -> None:
    components = pipeline(NluData())
    message = run(components, "hello")
    assert message.intent is None and message.intent_ranking == []


def test_fit_returns_self_and_defaults_merge() -> None:
    classifier = LinearIntentClassifier({"ranking_length": 3})
    assert classifier.config["ranking_length"] == 3
    assert classifier.config["C"] == LinearIntentClassifier.get_default_config()["C"]
    components = [WhitespaceTokenizer(), CountVectorsFeaturizer()]
    messages = prepared(components, restaurant_data())
    assert classifier.fit(messages) is classifier


def test_bad_config_is_a_data_error() -> None:
    with pytest.raises(DataError, match="ranking_length"):
        LinearIntentClassifier({"ranking_length": -1}).validate_config()
    with pytest.raises(DataError, match="class_weight"):
        LinearIntentClassifier({"class_weight": "weird"}).validate_config()


def test_unfitted_use_raises() -> None:
    with pytest.raises(NotFittedError):
        LinearIntentClassifier().process(run([WhitespaceTokenizer()], "hi"))


def test_persist_load_round_trip_gives_identical_predictions(tmp_path) -> None:
    components = pipeline(restaurant_data())
    components[-1].persist(tmp_path)
    loaded = [*components[:-1], LinearIntentClassifier.load(tmp_path)]
    for text in ["hello", "table for two in Rome", "see you", "zzz"]:
        assert run(loaded, text).intent_ranking == run(components, text).intent_ranking
