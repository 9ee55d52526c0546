"""Rasa's ``/intent`` message syntax, parsed without the NLU pipeline.

Accepted forms (after stripping surrounding whitespace)::

    /greet
    /greet@0.8
    /inform{"city": "Berlin"}
    /inform@0.5{"city": ["Berlin", "Rome"]}

The intent gets the given confidence (default 1.0; above 1 is clipped to 1,
an unreadable number gives 0.0) and is the single ``intent_ranking`` entry.
Each entity value becomes one entity whose ``start``/``end`` span the JSON
object. Unknown intents make the text an ordinary message (None is
returned); unknown entity types and unparsable JSON are dropped with a
warning.
"""
from __future__ import annotations

import json
import logging
import re
from typing import Any, Collection

logger = logging.getLogger(__name__)

PREFIX = "/"
EXTRACTOR = "RegexMessageHandler"
_SHORTCUT = re.compile(
    r"^/(?P<intent>[^{@]+)(?P<confidence>@[0-9.]+)?(?P<entities>\{.+\})?(?P<rest>.*)$", re.DOTALL
)


def _confidence(raw: str | None, text: str) -> float:
    if raw is None:
        return 1.0
    try:
        value = float(raw[1:])
    except ValueError:
        logger.warning("Message %r: confidence %r is not a number; using 0.0.", text, raw[1:])
        return 0.0
    if value > 1.0:
        logger.warning("Message %r: confidence %s is above 1; using 1.0.", text, value)
        return 1.0
    return value


def _entities(match: re.Match[str], entities: Collection[str] | None, text: str) -> list[dict[str, Any]]:
    raw = match.group("entities")
    if raw is None:
        return []
    try:
        parsed = json.loads(raw)
        if not isinstance(parsed, dict):
            raise ValueError(f"expected a JSON object, got {type(parsed).__name__}")
    except ValueError as ex:
        logger.warning("Message %r: entities are not a JSON object (%s); continuing without entities.", text, ex)
        return []
    if entities is not None:
        unknown = [k for k in parsed if k not in entities]
        if unknown:
            logger.warning("Message %r: unknown entity types %s are dropped.", text, unknown)
            parsed = {k: v for k, v in parsed.items() if k in entities}
    start, end = match.span("entities")
    result: list[dict[str, Any]] = []
    for entity_type, values in parsed.items():
        for value in values if isinstance(values, list) else [values]:
            result.append(
                {"entity": entity_type, "start": start, "end": end, "value": value, "extractor": EXTRACTOR}
            )
    return result


def parse_shortcut(
    text: str,
    intents: Collection[str] | None,
    entities: Collection[str] | None,
) -> dict[str, Any] | None:
    """Parse a ``/intent@conf{entities}`` message into a full parse result.

    Args:
        text: The user message.
        intents: Known intents (the domain's); None accepts any intent.
        entities: Known entity types; None accepts any.

    Returns:
        Rasa's parse dict (``text``, ``intent``, ``entities``,
        ``intent_ranking``, ``text_tokens``), or None when ``text`` is not
        shortcut syntax or names an unknown intent.
    """
    if not isinstance(text, str):
        return None
    stripped = text.strip()
    if not stripped.startswith(PREFIX):
        return None
    match = _SHORTCUT.match(stripped)
    if match is None:
        return None
    intent = match.group("intent").strip()
    if not intent:
        return None
    if intents is not None and intent not in intents:
        logger.debug("Message %r names the unknown intent %r; parsed as text.", stripped, intent)
        return None
    confidence = _confidence(match.group("confidence"), stripped)
    if match.group("rest"):
        logger.warning("Message %r: could not interpret %r; ignored.", stripped, match.group("rest"))
    return {
        "text": stripped,
        "intent": {"name": intent, "confidence": confidence},
        "entities": _entities(match, entities, stripped),
        "intent_ranking": [{"name": intent, "confidence": confidence}],
        "text_tokens": [],
    }
