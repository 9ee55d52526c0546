"""Tag schemes: gold tags per scheme and spans decoded back from them."""
from __future__ import annotations

import pytest

from engine.nlu.component import Message
from engine.nlu.extractors.tagging import SCHEMES, decode, is_prefixed, tags_for
from engine.nlu.tokenizers.whitespace import tokenize_text
from tests.engine.nlu.helpers import example

# Two touching entities of the same type, a multi-token one and a one-token one.
TEXT = "fly [Paris](city) [Rome](city) on [next friday](date) at [9](time)"


def message(markup: str) -> Message:
    m = Message.from_example(example(markup, "travel"))
    m.tokens = tokenize_text(m.text)
    return m


@pytest.mark.parametrize(
    "scheme, expected",
    [
        ("BILOU", ["O", "U-city", "U-city", "O", "B-date", "L-date", "O", "U-time"]),
        ("BIO", ["O", "B-city", "B-city", "O", "B-date", "I-date", "O", "B-time"]),
        ("IOB1", ["O", "I-city", "B-city", "O", "I-date", "I-date", "O", "I-time"]),
        ("IO", ["O", "city", "city", "O", "date", "date", "O", "time"]),
    ],
)
def test_gold_tags_per_scheme(scheme: str, expected: list[str]) -> None:
    assert tags_for(message(TEXT), "entity", scheme) == expected


@pytest.mark.parametrize("scheme", [s for s in SCHEMES if s != "IO"])
def test_prefixed_schemes_decode_back_to_the_gold_spans(scheme: str) -> None:
    m = message(TEXT)
    tags = tags_for(m, "entity", scheme)
    spans = decode(m.text, m.tokens, tags, [1.0] * len(tags), is_prefixed(scheme), False)
    assert [(label, first, last) for label, first, last, _ in spans] == [
        ("city", 1, 1), ("city", 2, 2), ("date", 4, 5), ("time", 7, 7)
    ]


def test_bare_labels_merge_touching_entities() -> None:
    m = message(TEXT)
    spans = decode(m.text, m.tokens, tags_for(m, "entity", "IO"), [1.0] * 8, False, False)
    assert [(label, first, last) for label, first, last, _ in spans][0] == ("city", 1, 2)


def test_roles_are_tagged_from_their_own_key() -> None:
    m = message('from [Berlin]{"entity": "city", "role": "departure"} to [Rome](city)')
    assert tags_for(m, "role", "IOB1") == ["O", "I-departure", "O", "O"]
    assert tags_for(m, "group", "IOB1") == ["O"] * 4


def test_span_confidence_is_its_least_confident_token() -> None:
    m = message("on [next friday](date)")
    tags = tags_for(m, "entity", "BIO")
    assert decode(m.text, m.tokens, tags, [1.0, 0.9, 0.6], True, True) == [("date", 1, 2, 0.6)]
