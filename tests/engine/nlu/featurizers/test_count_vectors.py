"""CountVectorsFeaturizer: vocabulary, n-grams, OOV token, persistence."""
from __future__ import annotations

import json

import numpy as np
import pytest

from engine.data.types import NluData
from engine.errors import DataError, ModelLoadError
from engine.nlu.component import NotFittedError
from engine.nlu.featurizers.count_vectors import CountVectorsFeaturizer
from engine.nlu.tokenizers.whitespace import WhitespaceTokenizer
from tests.engine.nlu.helpers import examples, prepared, run

DATA = NluData(examples=[*examples("a", "Hello world", "hello there"), *examples("b", "good bye world")])


def fitted(**config: object) -> list:
    components = [WhitespaceTokenizer(), CountVectorsFeaturizer(config)]
    prepared(components, DATA)
    return components


def block(components: list, text: str):
    return run(components, text).features[-1]


def test_word_vocabulary_is_lowercased_unigrams() -> None:
    featurizer = fitted()[1]
    assert set(featurizer.vocabulary_) == {"hello", "world", "there", "good", "bye"}


def test_features_are_l2_normalised_tfidf_of_known_words() -> None:
    components = fitted()
    features = block(components, "HELLO world world unknown")
    vocabulary = components[1].vocabulary_
    assert sorted(features.indices.tolist()) == sorted([vocabulary["hello"], vocabulary["world"]])
    assert np.isclose(np.linalg.norm(features.values), 1.0)
    assert features.size == len(vocabulary)


def test_raw_counts_when_weighting_is_off() -> None:
    components = fitted(use_idf=False, sublinear_tf=False, norm=None)
    features = block(components, "world world hello")
    values = dict(zip(features.indices.tolist(), features.values.tolist()))
    vocabulary = components[1].vocabulary_
    assert values == {vocabulary["world"]: 2.0, vocabulary["hello"]: 1.0}


def test_word_bigrams() -> None:
    featurizer = fitted(min_ngram=1, max_ngram=2)[1]
    assert {"hello world", "good bye", "bye world"} <= set(featurizer.vocabulary_)


def test_char_wb_ngrams_stay_inside_words() -> None:
    featurizer = fitted(analyzer="char_wb", min_ngram=2, max_ngram=3)[1]
    assert " he" in featurizer.vocabulary_
    assert "o w" not in featurizer.vocabulary_  # would cross a word boundary


def test_char_ngrams_cross_words() -> None:
    featurizer = fitted(analyzer="char", min_ngram=3, max_ngram=3)[1]
    assert "o w" in featurizer.vocabulary_


def test_oov_token_stands_for_unseen_words() -> None:
    components = fitted(OOV_token="oov", OOV_words=["there"])
    vocabulary = components[1].vocabulary_
    assert "oov" in vocabulary and "there" not in vocabulary
    features = block(components, "hello zebra")
    assert vocabulary["oov"] in features.indices.tolist()


def test_defaults_merge_with_user_config() -> None:
    featurizer = CountVectorsFeaturizer({"analyzer": "char_wb", "max_ngram": 4})
    assert featurizer.config["analyzer"] == "char_wb"
    assert featurizer.config["max_ngram"] == 4
    assert featurizer.config["min_ngram"] == 1
    assert featurizer.config["lowercase"] is True


@pytest.mark.parametrize(
    "config",
    [{"analyzer": "sentence"}, {"min_ngram": 3, "max_ngram": 2}, {"min_ngram": 0}, {"norm": "l3"}],
)
def test_bad_options_are_data_errors(config: dict) -> None:
    with pytest.raises(DataError):
        CountVectorsFeaturizer(config).validate_config()


def test_unfitted_use_raises_a_clear_error() -> None:
    tokenizer = WhitespaceTokenizer()
    with pytest.raises(NotFittedError, match="not fitted"):
        run([tokenizer, CountVectorsFeaturizer()], "hello")


def test_empty_training_data_gives_empty_blocks() -> None:
    components = [WhitespaceTokenizer(), CountVectorsFeaturizer()]
    prepared(components, NluData())
    features = block(components, "anything at all")
    assert features.size == 0 and len(features.indices) == 0


def test_persist_load_round_trip_gives_identical_features(tmp_path) -> None:
    components = fitted(analyzer="char_wb", min_ngram=1, max_ngram=4)
    components[1].persist(tmp_path)
    assert (tmp_path / "idf.npz").exists()
    assert not list(tmp_path.glob("*.pkl"))
    loaded = [components[0], CountVectorsFeaturizer.load(tmp_path)]
    for text in ["hello world", "bye there", "zebra"]:
        a, b = block(components, text), block(loaded, text)
        assert a.indices.tolist() == b.indices.tolist()
        assert np.allclose(a.values, b.values)


def test_load_refuses_another_format_version(tmp_path) -> None:
    fitted()[1].persist(tmp_path)
    meta = json.loads((tmp_path / "component.json").read_text())
    meta["format_version"] = 99
    (tmp_path / "component.json").write_text(json.dumps(meta))
    with pytest.raises(ModelLoadError, match="format version"):
        CountVectorsFeaturizer.load(tmp_path)


def test_pruning_away_every_term_is_a_data_error() -> None:
    components = [WhitespaceTokenizer(), CountVectorsFeaturizer({"min_df": 5})]
    with pytest.raises(DataError, match="CountVectorsFeaturizer"):
        prepared(components, DATA)


def test_corrupt_files_are_a_model_load_error(tmp_path) -> None:
    fitted()[1].persist(tmp_path)
    (tmp_path / "idf.npz").write_bytes(b"not a zip file")
    with pytest.raises(ModelLoadError, match="Cannot load"):
        CountVectorsFeaturizer.load(tmp_path)
