"""Token features for the CRF entity extractor.

Two feature sets:

* Parley's default (:func:`rich_features`): the word, its 2-3 letter
  prefixes and 2-4 letter suffixes, its shape (``Xxxx``, ``dd``), regex /
  lookup pattern matches, the two words either side, the suffixes and
  patterns of the neighbours, the word bigrams around it and whether the
  word and its neighbours are rare (seen at most once in training: names
  and titles mostly are, and at parse time so are unseen words). Chosen on
  HWU64's 10 folds (``bench/nlu_accuracy.py``).
* Rasa's configurable window (:func:`window_features`), used when
  config.yml lists ``features`` for ``CRFEntityExtractor``.

Either set can be extended with the message's intent (the intent name, and
the intent and its first ``_``-separated part combined with the word: on
HWU64 this adds 4-6 points of entity F1, because entity types depend on the
domain) and with dense token vectors from a sentence encoder.
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Collection, Sequence

from engine.nlu.component import Token

if TYPE_CHECKING:
    import numpy as np

KNOWN_FEATURES = frozenset(
    {"low", "title", "upper", "digit", "bias", "prefix5", "prefix2", "suffix5", "suffix3", "suffix2", "pattern"}
)
# Accepted for Rasa compatibility; POS tags need spaCy, and dense features
# are used whenever a dense featurizer provides them.
IGNORED_FEATURES = frozenset({"pos", "pos2", "text_dense_features"})
PAD = "<pad>"
_UPPER = re.compile(r"[A-Z]")
_LOWER = re.compile(r"[a-z]")
_DIGIT = re.compile(r"[0-9]")
_REPEAT = re.compile(r"(.)\1+")


def known_feature(feature: str) -> bool:
    """Whether ``feature`` is a valid name in Rasa's ``features`` window."""
    if feature in KNOWN_FEATURES or feature in IGNORED_FEATURES:
        return True
    return feature[:6] in ("prefix", "suffix") and feature[6:].isdigit()


def word_shape(text: str) -> str:
    """Collapse a word to its shape: ``Berlin`` -> ``Xxx``, ``10115`` -> ``dd``."""
    shape = _DIGIT.sub("d", _LOWER.sub("x", _UPPER.sub("X", text)))
    return _REPEAT.sub(r"\1\1", shape)


def rare_flags(tokens: Sequence[Token], frequent: Collection[str] | None) -> list[bool]:
    """Per token, whether its lowercased text is not among the ``frequent`` training words."""
    if frequent is None:
        return [False] * len(tokens)
    return [t.text.lower() not in frequent for t in tokens]


def rich_features(
    tokens: Sequence[Token], patterns: Sequence[Sequence[str]], rare: Sequence[bool] | None = None
) -> list[list[str]]:
    """Return Parley's default attribute strings per token.

    Args:
        tokens: The message's tokens.
        patterns: Per token, the regex / lookup pattern names matching it.
        rare: Per token, whether the word is rare (see :func:`rare_flags`).
    """
    lows = [t.text.lower() for t in tokens]
    count = len(tokens)
    rare = rare or [False] * count
    items: list[list[str]] = []
    for i, token in enumerate(tokens):
        low = lows[i]
        attrs = [
            "bias",
            f"w={low}",
            f"p2={low[:2]}",
            f"p3={low[:3]}",
            f"s2={low[-2:]}",
            f"s3={low[-3:]}",
            f"s4={low[-4:]}",
            f"shape={word_shape(token.text)}",
        ]
        if token.text.isdigit():
            attrs.append("digit")
        if rare[i]:
            attrs.append("rare")
        attrs.extend(f"pat={name}" for name in _patterns_of(patterns, i))
        for offset in (-2, -1, 1, 2):
            j = i + offset
            if not 0 <= j < count:
                attrs.append(f"{offset}w={PAD}")
                continue
            attrs.append(f"{offset}w={lows[j]}")
            if offset in (-1, 1):
                attrs.append(f"{offset}s3={lows[j][-3:]}")
                if rare[j]:
                    attrs.append(f"{offset}rare")
                attrs.extend(f"{offset}pat={name}" for name in _patterns_of(patterns, j))
        if i > 0:
            attrs.append(f"bg-={lows[i - 1]}|{low}")
        if i < count - 1:
            attrs.append(f"bg+={low}|{lows[i + 1]}")
        items.append(attrs)
    return items


# Attribute prefixes of the feature groups that perceptron runs leave out,
# one group per run (see ``CRFEntityExtractor``): the word bigrams, the words
# two away, the word's affixes, the neighbours' suffixes / patterns / rarity,
# and (the last run) none.
RUN_LEFT_OUT: tuple[tuple[str, ...], ...] = (
    ("bg-=", "bg+="),
    ("-2w=", "2w="),
    ("p2=", "p3=", "s2=", "s3=", "s4="),
    ("-1s3=", "1s3=", "-1pat=", "1pat=", "-1rare", "1rare"),
    (),
)


def without_group(items: list[list[str]], prefixes: tuple[str, ...]) -> list[list[str]]:
    """Return the attribute lists without the attributes starting with ``prefixes``."""
    if not prefixes:
        return items
    return [[a for a in attrs if not a.startswith(prefixes)] for attrs in items]


def window_features(
    tokens: Sequence[Token], patterns: Sequence[Sequence[str]], window: Sequence[Sequence[str]]
) -> list[list[str]]:
    """Return attribute strings per token for Rasa's feature ``window`` (config ``features``)."""
    half = len(window) // 2
    lows = [t.text.lower() for t in tokens]
    items: list[list[str]] = []
    for i in range(len(tokens)):
        attrs: list[str] = []
        if i == 0:
            attrs.append("BOS")
        if i == len(tokens) - 1:
            attrs.append("EOS")
        for position, names in enumerate(window):
            j = i + position - half
            if 0 <= j < len(tokens):
                attrs.extend(_window_attrs(tokens[j].text, lows[j], f"{position - half}:", names, patterns, j))
        items.append(attrs)
    return items


def _window_attrs(
    text: str, low: str, prefix: str, names: Sequence[str], patterns: Sequence[Sequence[str]], j: int
) -> list[str]:
    attrs: list[str] = []
    for name in names:
        if name == "low":
            attrs.append(f"{prefix}low={low}")
        elif name == "title" and text.istitle():
            attrs.append(f"{prefix}title")
        elif name == "upper" and text.isupper():
            attrs.append(f"{prefix}upper")
        elif name == "digit" and text.isdigit():
            attrs.append(f"{prefix}digit")
        elif name == "bias":
            attrs.append(f"{prefix}bias")
        elif name.startswith("prefix") and name[6:].isdigit():
            attrs.append(f"{prefix}{name}={low[: int(name[6:])]}")
        elif name.startswith("suffix") and name[6:].isdigit():
            attrs.append(f"{prefix}{name}={low[-int(name[6:]):]}")
        elif name == "pattern":
            attrs.extend(f"{prefix}pattern={p}" for p in _patterns_of(patterns, j))
    return attrs


def _patterns_of(patterns: Sequence[Sequence[str]], index: int) -> Sequence[str]:
    return patterns[index] if index < len(patterns) else ()


def add_intent_features(
    items: list[list[str]], tokens: Sequence[Token], intent: str | None, rare: Sequence[bool] | None = None
) -> None:
    """Append intent features to every token's attributes (in place).

    Args:
        items: Attribute strings per token.
        tokens: The message's tokens.
        intent: The intent to condition on (None adds nothing).
        rare: Per token, whether the word is rare; a rare word under an
            intent (an unknown name in ``play_music``) gets its own feature.
    """
    if not intent:
        return
    domain = intent.split("_", 1)[0]
    for i, (attrs, token) in enumerate(zip(items, tokens)):
        low = token.text.lower()
        attrs.extend((f"I={intent}", f"I={intent}|w={low}", f"D={domain}|w={low}"))
        if rare and rare[i]:
            attrs.append(f"I={intent}|rare")


def with_dense(items: list[list[str]], vectors: np.ndarray | None, scale: float) -> list[Any]:
    """Return the items as crfsuite attribute dicts with dense dimensions added.

    Args:
        items: Attribute strings per token.
        vectors: Dense token vectors, shape (tokens, dim), or None.
        scale: Factor applied to every dimension (learned at training).
    """
    if vectors is None or len(vectors) != len(items):
        return items
    result: list[dict[str, float]] = []
    for attrs, vector in zip(items, vectors):
        item = dict.fromkeys(attrs, 1.0)
        item.update((f"v{d}", float(value) * scale) for d, value in enumerate(vector))
        result.append(item)
    return result
