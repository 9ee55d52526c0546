"""EnsembleIntentClassifier: network + SVM on large data, logistic regression on small."""
from __future__ import annotations

import pytest

from engine.data.types import NluData
from engine.errors import DataError
from engine.nlu.classifiers.ensemble import EnsembleIntentClassifier
from engine.nlu.component import NotFittedError
from engine.nlu.featurizers.count_vectors import CountVectorsFeaturizer
from engine.nlu.tokenizers.whitespace import WhitespaceTokenizer
from tests.engine.nlu.helpers import examples, prepared, restaurant_data, run

TOPICS = {
    "weather": ["weather", "rain", "sunny", "forecast", "temperature"],
    "music": ["song", "playlist", "album", "track", "artist"],
    "alarm": ["alarm", "wake", "snooze", "timer", "morning"],
}
FILLERS = ["please", "can you", "i want", "tell me", "now", "quickly"]


def topic_data() -> NluData:
    """60 examples per intent, enough for the network with a low threshold."""
    texts = {
        intent: [f"{FILLERS[i % 6]} {words[i % 5]} {words[(i + 2) % 5]} {i}" for i in range(60)]
        for intent, words in TOPICS.items()
    }
    return NluData(examples=[e for intent, lines in texts.items() for e in examples(intent, *lines)])


def pipeline(data: NluData, **config: object) -> list:
    components = [
        WhitespaceTokenizer(),
        CountVectorsFeaturizer({"min_ngram": 1, "max_ngram": 2}),
        CountVectorsFeaturizer({"analyzer": "char_wb", "min_ngram": 2, "max_ngram": 5}),
        EnsembleIntentClassifier(config),
    ]
    prepared(components, data)
    return components


@pytest.fixture(scope="module")
def with_network() -> list:
    return pipeline(topic_data(), min_examples_for_network=50, hidden_size=32)


def test_network_and_svm_predict_unseen_sentences(with_network: list) -> None:
    assert with_network[-1].network_ is not None
    for text, intent in [("will it rain tomorrow", "weather"), ("play that album", "music"), ("set an alarm", "alarm")]:
        message = run(with_network, text)
        assert message.intent["name"] == intent
        assert message.intent["confidence"] > 0.5
        assert message.intent_ranking[0] == message.intent
        assert sum(r["confidence"] for r in message.intent_ranking) == pytest.approx(1.0)


def test_small_data_trains_logistic_regression_only() -> None:
    components = pipeline(restaurant_data())
    assert components[-1].network_ is None
    assert run(components, "hello there").intent["name"] == "greet"
    assert run(components, "a table in Paris").intent["name"] == "book_table"


def test_text_unlike_the_training_data_gets_low_confidence_on_small_bots() -> None:
    components = pipeline(restaurant_data())
    assert run(components, "xqzt vbnm").intent["confidence"] < 0.5


def test_ranking_length_and_single_intent() -> None:
    assert len(run(pipeline(topic_data(), ranking_length=2), "rain").intent_ranking) == 2
    single = pipeline(NluData(examples=examples("greet", "hi", "hello")))
    assert run(single, "anything").intent == {"name": "greet", "confidence": 1.0}
    nothing = pipeline(NluData(examples=examples(None, "hi", "hello")))
    assert run(nothing, "hi").intent is None


def test_persist_load_round_trip_gives_identical_rankings(with_network: list, tmp_path) -> None:
    with_network[-1].persist(tmp_path)
    assert (tmp_path / "network.npz").exists()
    loaded = [*with_network[:-1], EnsembleIntentClassifier.load(tmp_path)]
    for text in ["will it rain", "next track please", "snooze", "xyz"]:
        assert run(loaded, text).intent_ranking == run(with_network, text).intent_ranking


@pytest.mark.parametrize(
    "config", [{"dropout": 1.0}, {"class_weight": "weird"}, {"hidden_size": 0}, {"svm_temperature": -1}]
)
def test_bad_options_are_data_errors(config: dict) -> None:
    with pytest.raises(DataError):
        EnsembleIntentClassifier(config).validate_config()


def test_unfitted_use_raises() -> None:
    with pytest.raises(NotFittedError):
        EnsembleIntentClassifier().process(run([WhitespaceTokenizer()], "hi"))
