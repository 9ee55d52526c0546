"""WhitespaceTokenizer: Rasa's token rules and character offsets."""
from __future__ import annotations

import pytest

from engine.errors import DataError
from engine.nlu.component import Message
from engine.nlu.tokenizers.whitespace import WhitespaceTokenizer, tokenize_text


def words(text: str, **config: object) -> list[str]:
    return [t.text for t in WhitespaceTokenizer(config).tokenize(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hello, world!", ["Hello", "world"]),
        ("don't stop", ["don", "t", "stop"]),
        ("I'm here...", ["I", "m", "here"]),
        ("it costs 10'000.00 dollars", ["it", "costs", "10'000.00", "dollars"]),
        ("mail me at amy@example.com.", ["mail", "me", "at", "amy@example.com"]),
        ("see https://rasa.com/docs?a=1", ["see", "https://rasa.com/docs?a=1"]),
        ("$10 or -5 (maybe)", ["$10", "or", "-5", "maybe"]),
        ("#hashtag & @user", ["#hashtag", "&", "@user"]),
        ("hi😀there 👍", ["hi", "there"]),
        (":)", [":)"]),
    ],
)
def test_splits_on_whitespace_and_punctuation_like_rasa(text: str, expected: list[str]) -> None:
    assert words(text) == expected


@pytest.mark.parametrize(
    "text",
    ["Grüße aus Köln, bitte!", "नमस्ते दुनिया", "Привет, мир!", "café crème brûlée", "日本語 テキスト"],
)
def test_offsets_point_at_the_token_text_in_unicode(text: str) -> None:
    tokens = tokenize_text(text)
    assert tokens
    for token in tokens:
        assert text[token.start : token.end] == token.text
    assert [t.start for t in tokens] == sorted(t.start for t in tokens)


def test_combining_marks_stay_inside_words() -> None:
    # Devanagari vowel signs are combining marks, not punctuation.
    assert words("नमस्ते दुनिया") == ["नमस्ते", "दुनिया"]


def test_blank_text_has_no_tokens() -> None:
    assert tokenize_text("") == []
    assert tokenize_text("   ") == []


def test_token_pattern_splits_tokens_further() -> None:
    tokenizer = WhitespaceTokenizer({"token_pattern": r"\w+"})
    tokens = tokenizer.tokenize("rasa-x is 2.0")
    assert [(t.text, t.start, t.end) for t in tokens] == [
        ("rasa", 0, 4),
        ("x", 5, 6),
        ("is", 7, 9),
        ("2", 10, 11),
        ("0", 12, 13),
    ]


def test_intent_tokenization_flag_splits_intent_names() -> None:
    tokenizer = WhitespaceTokenizer({"intent_tokenization_flag": True, "intent_split_symbol": "+"})
    message = Message("hi, where is it", target_intent="greet+ask_location")
    tokenizer.process(message)
    assert [t.text for t in message.intent_tokens] == ["greet", "ask_location"]
    plain = WhitespaceTokenizer()
    assert [t.text for t in plain.tokenize_intent("greet+ask_location")] == ["greet+ask_location"]


def test_defaults_merge_with_user_config() -> None:
    tokenizer = WhitespaceTokenizer({"intent_split_symbol": "+"})
    assert tokenizer.config == {"intent_tokenization_flag": False, "intent_split_symbol": "+", "token_pattern": None}


def test_is_stateless_and_fit_returns_self() -> None:
    tokenizer = WhitespaceTokenizer()
    assert tokenizer.fit([]) is tokenizer
    assert words("works without fit") == ["works", "without", "fit"]


def test_invalid_token_pattern_is_a_data_error() -> None:
    with pytest.raises(DataError, match="token_pattern"):
        WhitespaceTokenizer({"token_pattern": "(unclosed"}).validate_config()


def test_persist_load_round_trip(tmp_path) -> None:
    tokenizer = WhitespaceTokenizer({"token_pattern": r"\w+"}).fit([])
    tokenizer.persist(tmp_path)
    loaded = WhitespaceTokenizer.load(tmp_path)
    assert loaded.config == tokenizer.config
    assert loaded.tokenize("a-b c") == tokenizer.tokenize("a-b c")
