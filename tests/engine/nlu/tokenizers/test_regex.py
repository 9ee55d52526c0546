"""RegexTokenizer: Unicode-aware tokens for text the whitespace rules serve badly."""
from __future__ import annotations

import pytest

from engine.data.types import NluData
from engine.errors import DataError
from engine.nlu.component import Message
from engine.nlu.pipeline import NluPipeline
from engine.nlu.tokenizers.regex import RegexTokenizer
from tests.engine.nlu.helpers import examples


def words(text: str, **config: object) -> list[str]:
    return [t.text for t in RegexTokenizer(config).tokenize(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("我想去北京旅行", ["我", "想", "去", "北", "京", "旅", "行"]),
        ("東京へ行きたい", ["東", "京", "へ", "行", "き", "た", "い"]),
        ("l'hôtel à Paris, s'il vous plaît!", ["l'hôtel", "à", "Paris", "s'il", "vous", "plaît"]),
        ("मुझे दिल्ली जाना है।", ["मुझे", "दिल्ली", "जाना", "है"]),
        ("שָׁלוֹם עולם", ["שָׁלוֹם", "עולם"]),
        ("send an e-mail at 10:30 😀", ["send", "an", "e-mail", "at", "10", "30"]),
        ("去Berlin吧", ["去", "Berlin", "吧"]),
        ("?!", ["?!"]),
    ],
)
def test_tokens_of_unspaced_and_accented_scripts(text: str, expected: list[str]) -> None:
    assert words(text) == expected


@pytest.mark.parametrize("text", ["我想去北京旅行", "  l'hôtel à Paris ", "मुझे दिल्ली जाना है", "👍 去Berlin吧"])
def test_offsets_point_at_the_token_text(text: str) -> None:
    for token in RegexTokenizer().tokenize(text):
        assert text[token.start : token.end] == token.text


def test_custom_pattern_and_intent_splitting() -> None:
    tokenizer = RegexTokenizer({"pattern": r"[a-z]+|\d+", "intent_tokenization_flag": True, "intent_split_symbol": "+"})
    message = Message("abc123 x", target_intent="greet+ask_time")
    tokenizer.process(message)
    assert [t.text for t in message.tokens] == ["abc", "123", "x"]
    assert [t.text for t in message.intent_tokens] == ["greet", "ask_time"]


@pytest.mark.parametrize("pattern", ["(unclosed", "a*"])
def test_bad_pattern_is_a_data_error(pattern: str) -> None:
    with pytest.raises(DataError, match="pattern"):
        RegexTokenizer({"pattern": pattern}).validate_config()


def test_persist_load_round_trip(tmp_path) -> None:
    tokenizer = RegexTokenizer({"pattern": r"\w"}).fit([])
    tokenizer.persist(tmp_path)
    loaded = RegexTokenizer.load(tmp_path)
    assert loaded.config == tokenizer.config
    assert loaded.tokenize("ab c") == tokenizer.tokenize("ab c") == tokenizer.tokenize("ab c")


def test_chinese_entities_are_found_with_the_right_offsets() -> None:
    from tests.engine.nlu.helpers import example

    data = NluData(examples=[
        *[example(t, "book_flight") for t in (
            "我想去[北京](city)", "我想去[上海](city)", "帮我订去[广州](city)的机票", "订去[深圳](city)的机票",
            "我要飞[成都](city)", "我想去[杭州](city)旅行",
        )],
        *examples("greet", "你好", "您好", "早上好", "嗨"),
    ])
    config = {"language": "zh", "pipeline": [
        {"name": "JiebaTokenizer"}, {"name": "CountVectorsFeaturizer", "analyzer": "char", "min_ngram": 1, "max_ngram": 2},
        {"name": "DIETClassifier"},
    ]}
    pipeline = NluPipeline.from_config(config).fit(data)
    assert dict(pipeline.mappings)["JiebaTokenizer"].startswith("RegexTokenizer")
    text = "我想去南京"
    parse = pipeline.parse(text)
    assert parse["intent"]["name"] == "book_flight"
    [entity] = parse["entities"]
    assert entity["entity"] == "city"
    assert text[entity["start"] : entity["end"]] == entity["value"]
    assert (entity["start"], entity["value"]) == (3, "南京")  # a city never seen in training
