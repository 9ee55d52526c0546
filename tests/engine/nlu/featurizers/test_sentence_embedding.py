"""SentenceEmbeddingFeaturizer: the optional packaged sentence encoder."""
from __future__ import annotations

import numpy as np
import pytest

from engine.errors import ModelLoadError
from engine.nlu.featurizers import sentence_embedding
from engine.nlu.featurizers.sentence_embedding import SentenceEmbeddingFeaturizer
from engine.nlu.tokenizers.whitespace import WhitespaceTokenizer
from tests.engine.nlu.helpers import needs_encoder, prepared, restaurant_data, run



@pytest.fixture(scope="module")
def fitted() -> list:
    components = [WhitespaceTokenizer(), SentenceEmbeddingFeaturizer()]
    prepared(components, restaurant_data())
    return components


@needs_encoder
def test_sentence_block_and_token_vectors(fitted: list) -> None:
    message = run(fitted, "book a table in Berlin")
    [block] = message.features
    assert (block.name, block.size, len(block.values)) == ("SentenceEmbeddingFeaturizer", 384, 384)
    assert np.linalg.norm(block.values) == pytest.approx(2.0, rel=1e-4)  # normalised, times scale
    assert message.token_vectors.shape == (5, 384)


@needs_encoder
def test_similar_sentences_are_closer_than_unrelated_ones(fitted: list) -> None:
    def vector(text: str) -> np.ndarray:
        return run(fitted, text).features[0].values

    table, booking, weather = vector("reserve a table for two"), vector("book a table for 2 people"), vector("will it rain")
    assert table @ booking > table @ weather


@needs_encoder
def test_contextual_token_vectors_differ_by_context(fitted: list) -> None:
    bank_river = run(fitted, "we sat on the bank of the river").token_vectors[4]
    bank_money = run(fitted, "I need money from the bank").token_vectors[5]
    same_word = run(fitted, "we sat on the bank of the lake").token_vectors[4]
    assert np.linalg.norm(bank_river - same_word) < np.linalg.norm(bank_river - bank_money)


@needs_encoder
def test_persist_load_and_cache_give_identical_features(fitted: list, tmp_path) -> None:
    fitted[-1].persist(tmp_path)
    loaded = SentenceEmbeddingFeaturizer.load(tmp_path)
    loaded.cache = {}
    text = "where can I park"
    expected = run(fitted, text)
    for _ in range(2):  # the second run is served from the cache
        got = run([fitted[0], loaded], text)
        assert np.allclose(got.features[0].values, expected.features[0].values, atol=1e-6)
        assert np.allclose(got.token_vectors, expected.token_vectors, atol=1e-5)
    assert text in loaded.cache


def test_loading_without_the_extra_is_a_clear_model_load_error(tmp_path, monkeypatch) -> None:
    (tmp_path / "component.json").write_text(
        '{"class": "SentenceEmbeddingFeaturizer", "format_version": 1, "config": {}, "state": {"dim": 384}}'
    )
    monkeypatch.setattr(sentence_embedding, "missing_modules", lambda: ["torch"])
    with pytest.raises(ModelLoadError, match="encoder' extra"):
        SentenceEmbeddingFeaturizer.load(tmp_path)
