"""Entity tag schemes: gold tags for training, spans back from predicted tags.

Schemes (``CRFEntityExtractor`` option ``tag_scheme``):

* ``BILOU``: ``B-``/``I-``/``L-`` for multi-token entities, ``U-`` for one token.
* ``BIO``: ``B-`` on the first token, ``I-`` on the rest.
* ``IOB1``: ``I-`` everywhere; ``B-`` only on the first token of an entity
  that directly follows another of the same label. As exact as BILOU about
  spans, with about a quarter of its labels: a linear-chain CRF's cost grows
  with the square of the label count, so on HWU64 (54 entity types) training
  is 4-6x faster, at the same entity F1.
* ``IO``: the bare label (Rasa's ``BILOU_flag: false``); touching entities
  of the same label merge.
"""
from __future__ import annotations

import logging
from typing import Any, Sequence

from engine.nlu.component import Message, Token

logger = logging.getLogger(__name__)

NO_TAG = "O"
SCHEMES = ("BILOU", "BIO", "IOB1", "IO")


def is_prefixed(scheme: str) -> bool:
    """Whether tags of ``scheme`` carry a ``X-`` prefix."""
    return scheme != "IO"


def strip_prefix(tag: str, prefixed: bool) -> str:
    """Return the label of a tag (``B-city`` -> ``city``)."""
    if prefixed and len(tag) > 2 and tag[1] == "-":
        return tag[2:]
    return tag


def tags_for(message: Message, kind: str, scheme: str) -> list[str]:
    """Return the gold tag of each token of a training message for ``kind``.

    Args:
        message: A tokenized training message.
        kind: ``entity``, ``role`` or ``group``: which annotation key labels.
        scheme: One of :data:`SCHEMES`.
    """
    tags = [NO_TAG] * len(message.tokens)
    entities = sorted(
        (e for e in message.target_entities if e.get("start") is not None and e.get("end") is not None),
        key=lambda e: e["start"],
    )
    for entity in entities:
        label = entity.get(kind)
        if not label:
            continue
        start, end = entity["start"], entity["end"]
        covered = [i for i, t in enumerate(message.tokens) if t.start < end and t.end > start]
        if not covered:
            logger.debug("entity %r of %r covers no token; skipped", entity, message.text)
            continue
        for n, i in enumerate(covered):
            tags[i] = _tag(scheme, str(label), n, len(covered), tags[i - 1] if i > 0 else NO_TAG)
    return tags


def _tag(scheme: str, label: str, n: int, size: int, previous: str) -> str:
    if scheme == "IO":
        return label
    if scheme == "BIO":
        return f"{'B' if n == 0 else 'I'}-{label}"
    if scheme == "IOB1":
        touching = n == 0 and previous != NO_TAG and strip_prefix(previous, True) == label
        return f"{'B' if touching else 'I'}-{label}"
    if size == 1:
        return f"U-{label}"
    return f"{'B' if n == 0 else 'L' if n == size - 1 else 'I'}-{label}"


def decode(
    text: str,
    tokens: Sequence[Token],
    tags: Sequence[str],
    confidences: Sequence[float],
    prefixed: bool,
    split_by_comma: Any,
) -> list[tuple[str, int, int, float]]:
    """Turn per-token tags into (label, first token, last token, confidence) spans.

    Works for every prefixed scheme: ``B-``/``U-`` start an entity,
    ``L-``/``U-`` end one, ``I-`` continues an entity of the same label
    (or starts one). The confidence of a span is its least confident token.
    A comma between two tokens splits an entity unless ``split_by_comma``
    (True, False or a per-label dict) says otherwise.
    """
    spans: list[tuple[str, int, int, float]] = []
    current: list[Any] | None = None  # [label, first, last, min confidence]
    for i, tag in enumerate(tags):
        if tag == NO_TAG:
            if current is not None:
                spans.append(tuple(current))  # type: ignore[arg-type]
                current = None
            continue
        prefix, label = (tag[0], tag[2:]) if prefixed and len(tag) > 2 and tag[1] == "-" else ("I", tag)
        if current is not None and (
            current[0] != label
            or prefix in ("B", "U")
            or (_splits(split_by_comma, label) and "," in text[tokens[i - 1].end : tokens[i].start])
        ):
            spans.append(tuple(current))  # type: ignore[arg-type]
            current = None
        if current is None:
            current = [label, i, i, confidences[i]]
        else:
            current[2] = i
            current[3] = min(current[3], confidences[i])
        if prefix in ("L", "U"):
            spans.append(tuple(current))  # type: ignore[arg-type]
            current = None
    if current is not None:
        spans.append(tuple(current))  # type: ignore[arg-type]
    return spans


def _splits(split_by_comma: Any, label: str) -> bool:
    if isinstance(split_by_comma, dict):
        return bool(split_by_comma.get(label, True))
    return bool(split_by_comma)
