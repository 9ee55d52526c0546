"""CRF token features: Parley's set, Rasa's window, intent and dense additions."""
from __future__ import annotations

import numpy as np

from engine.nlu.extractors.crf_features import add_intent_features, rich_features, window_features, with_dense, word_shape
from engine.nlu.tokenizers.whitespace import tokenize_text


def test_word_shapes() -> None:
    assert word_shape("Berlin") == "Xxx"
    assert word_shape("10115") == "dd"
    assert word_shape("iPhone-12") == "xXxx-dd"


def test_rich_features_see_neighbours_patterns_and_padding() -> None:
    tokens = tokenize_text("fly to Berlin")
    items = rich_features(tokens, [[], [], ["city"]])
    berlin = set(items[2])
    assert {"w=berlin", "shape=Xxx", "pat=city", "-1w=to", "-2w=fly", "1w=<pad>", "bg-=to|berlin"} <= berlin
    assert "1pat=city" in items[1]
    assert "bias" in items[0] and "-1w=<pad>" in items[0]


def test_window_features_follow_rasas_names() -> None:
    tokens = tokenize_text("Hello World")
    items = window_features(tokens, [[], []], [["low"], ["low", "title", "suffix2"], ["upper"]])
    assert items[0] == ["BOS", "0:low=hello", "0:title", "0:suffix2=lo"]
    assert items[1] == ["EOS", "-1:low=hello", "0:low=world", "0:title", "0:suffix2=ld"]


def test_intent_features_combine_intent_domain_and_word() -> None:
    tokens = tokenize_text("play jazz")
    items = [["bias"], ["bias"]]
    add_intent_features(items, tokens, "music_play")
    assert items[1] == ["bias", "I=music_play", "I=music_play|w=jazz", "D=music|w=jazz"]
    untouched = [["bias"]]
    add_intent_features(untouched, tokens[:1], None)
    assert untouched == [["bias"]]


def test_dense_vectors_become_weighted_attributes() -> None:
    items = with_dense([["w=a"], ["w=b"]], np.array([[1.0, 0.0], [0.5, 2.0]]), 2.0)
    assert items == [{"w=a": 1.0, "v0": 2.0, "v1": 0.0}, {"w=b": 1.0, "v0": 1.0, "v1": 4.0}]
    assert with_dense([["w=a"]], None, 2.0) == [["w=a"]]
