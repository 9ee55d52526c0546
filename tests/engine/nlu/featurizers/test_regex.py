"""RegexFeaturizer: one binary feature per regex / lookup pattern."""
from __future__ import annotations

import pytest

from engine.data.types import NluData
from engine.errors import DataError
from engine.nlu.component import NotFittedError
from engine.nlu.featurizers.regex import RegexFeaturizer
from engine.nlu.tokenizers.whitespace import WhitespaceTokenizer
from tests.engine.nlu.helpers import prepared, run

DATA = NluData(
    regexes=[{"name": "zipcode", "pattern": r"\d{5}"}],
    lookups=[{"name": "city", "elements": ["Berlin", "New York"]}],
)


def fitted(**config: object) -> list:
    components = [WhitespaceTokenizer(), RegexFeaturizer(config)]
    prepared(components, DATA)
    return components


def test_sentence_features_flag_matching_patterns() -> None:
    components = fitted()
    names = [p["name"] for p in components[1].patterns_]
    assert names == ["zipcode", "city"]
    message = run(components, "send it to 10115 Berlin")
    assert message.features[-1].indices.tolist() == [0, 1]
    assert message.features[-1].size == 2
    assert run(components, "nothing here").features[-1].indices.tolist() == []


def test_token_patterns_mark_matched_tokens() -> None:
    message = run(fitted(), "from New York to 10115")
    assert message.token_patterns == [[], ["city"], ["city"], [], ["zipcode"]]


def test_case_sensitive_by_default_like_rasa() -> None:
    assert run(fitted(), "in berlin").features[-1].indices.tolist() == []
    assert run(fitted(case_sensitive=False), "in berlin").features[-1].indices.tolist() == [1]


def test_lookup_word_boundaries() -> None:
    assert run(fitted(), "Berliner").features[-1].indices.tolist() == []
    assert run(fitted(use_word_boundaries=False), "Berliner").features[-1].indices.tolist() == [1]


def test_invalid_regex_in_data_is_a_data_error() -> None:
    with pytest.raises(DataError, match="not a valid regular expression"):
        RegexFeaturizer().fit([], NluData(regexes=[{"name": "x", "pattern": "(["}]))


def test_unfitted_use_raises() -> None:
    with pytest.raises(NotFittedError):
        run([WhitespaceTokenizer(), RegexFeaturizer()], "text")


def test_persist_load_round_trip(tmp_path) -> None:
    components = fitted()
    components[1].persist(tmp_path)
    loaded = [components[0], RegexFeaturizer.load(tmp_path)]
    for text in ["10115 Berlin", "New York", "nothing"]:
        assert run(loaded, text).token_patterns == run(components, text).token_patterns
        assert run(loaded, text).features[-1].indices.tolist() == run(components, text).features[-1].indices.tolist()
