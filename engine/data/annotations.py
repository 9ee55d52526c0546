"""Rasa's inline entity annotation grammar in training examples.

Supported forms, on any text:

* ``[surface](type)`` — value is the surface text;
* ``[surface](type:value)`` — value given (a synonym);
* ``[surface]{"entity": "type", "value": ..., "role": ..., "group": ...}``;
* ``[surface][{"entity": ...}, {"entity": ...}]`` — several entities on the
  same surface text (Rasa 3.x).

Offsets are computed on the text with all markup removed and count Python
characters (code points), the unit Rasa uses. Brackets that are not followed
by a well-formed annotation stay literal text, as in Rasa.
"""
from __future__ import annotations

import json
from typing import Any

from engine.errors import DataError

_DECODER = json.JSONDecoder()


def parse_annotated_text(text: str) -> tuple[str, list[dict[str, Any]]]:
    """Strip entity markup from ``text`` and return the entities found.

    Args:
        text: An example such as ``"fly to [Berlin](city)"``.

    Returns:
        The plain text and a list of entity dicts with ``start``, ``end``,
        ``value``, ``entity`` and, when annotated, ``role`` and ``group``
        (as strings). ``start``/``end`` index into the plain text.

    Raises:
        DataError: A ``{...}`` or ``[{...}]`` annotation is not valid JSON or
            lacks ``"entity"`` (the caller adds file and line).
    """
    pieces: list[str] = []
    entities: list[dict[str, Any]] = []
    plain_len = 0
    copied_to = 0
    search_from = 0
    while True:
        open_at = text.find("[", search_from)
        if open_at < 0:
            break
        close_at = text.find("]", open_at + 1)
        if close_at < 0:
            break
        surface = text[open_at + 1 : close_at]
        parsed = _parse_suffix(text, close_at + 1, surface) if surface else None
        if parsed is None:
            search_from = open_at + 1
            continue
        attributes, end = parsed
        pieces.append(text[copied_to:open_at])
        plain_len += open_at - copied_to
        for attrs in attributes:
            entities.append(_entity(attrs, surface, plain_len))
        pieces.append(surface)
        plain_len += len(surface)
        copied_to = search_from = end
    pieces.append(text[copied_to:])
    return "".join(pieces), entities


def _entity(attrs: dict[str, Any], surface: str, start: int) -> dict[str, Any]:
    value = attrs.get("value")
    entity: dict[str, Any] = {
        "start": start,
        "end": start + len(surface),
        "value": surface if value is None else value,
        "entity": attrs["entity"],
    }
    for label in ("role", "group"):
        if attrs.get(label) is not None:
            # Roles and groups become feature labels; Rasa writes them as strings.
            entity[label] = str(attrs[label])
    return entity


def _parse_suffix(text: str, at: int, surface: str) -> tuple[list[dict[str, Any]], int] | None:
    """Parse the annotation right after ``]``; None when there is none."""
    if at >= len(text):
        return None
    opener = text[at]
    if opener == "(":
        return _parse_parenthesised(text, at)
    if opener == "{":
        if text.find("}", at) < 0:
            return None
        attrs, end = _decode_json(text, at, surface)
        return [_checked(attrs, surface)], end
    if opener == "[" and text[at + 1 :].lstrip().startswith("{"):
        items, end = _decode_json(text, at, surface)
        if not isinstance(items, list):
            raise DataError(f"entity annotation for '{surface}' must be a list of objects")
        return [_checked(item, surface) for item in items], end
    return None


def _parse_parenthesised(text: str, at: int) -> tuple[list[dict[str, Any]], int] | None:
    close_at = text.find(")", at + 1)
    if close_at < 0:
        return None
    body = text[at + 1 : close_at]
    entity_type, colon, value = body.partition(":")
    if not entity_type or (colon and not value):
        return None
    attrs: dict[str, Any] = {"entity": entity_type}
    if colon:
        attrs["value"] = value
    return [attrs], close_at + 1


def _decode_json(text: str, at: int, surface: str) -> tuple[Any, int]:
    try:
        return _DECODER.raw_decode(text, at)
    except json.JSONDecodeError as ex:
        raise DataError(
            f"entity annotation for '{surface}' is not valid JSON ({ex.msg} at character {ex.pos + 1}): "
            f"{text[at:at + 80]}"
        ) from None


def _checked(attrs: Any, surface: str) -> dict[str, Any]:
    if not isinstance(attrs, dict):
        raise DataError(f"entity annotation for '{surface}' must be a JSON object")
    entity_type = attrs.get("entity")
    if not isinstance(entity_type, str) or not entity_type:
        raise DataError(f"entity annotation for '{surface}' needs an \"entity\" key with the entity type")
    return attrs
