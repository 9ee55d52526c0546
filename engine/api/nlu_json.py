"""Read Rasa's JSON NLU data format (``{"rasa_nlu_data": {...}}``).

Keys: ``common_examples`` (``text``, ``intent``, ``entities`` with
``start``/``end``/``value``/``entity``/``role``/``group``),
``entity_synonyms`` (``value``, ``synonyms``), ``regex_features`` (``name``,
``pattern``) and ``lookup_tables`` (``name``, ``elements``).
"""
from __future__ import annotations

from typing import Any

import orjson

from engine.data.types import NluData, NluExample
from engine.errors import BadRequest


def _bad(message: str) -> BadRequest:
    return BadRequest(f"Invalid NLU data: {message}", details={"parameter": "rasa_nlu_data", "in": "body"})


def _list(section: dict[str, Any], key: str) -> list[dict[str, Any]]:
    items = section.get(key) or []
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise _bad(f"'{key}' must be a list of objects.")
    return items


def _entities(example: dict[str, Any], text: str, number: int) -> list[dict[str, Any]]:
    entities = example.get("entities") or []
    if not isinstance(entities, list):
        raise _bad(f"example {number}: 'entities' must be a list.")
    out = []
    for entity in entities:
        if not isinstance(entity, dict) or not isinstance(entity.get("entity"), str):
            raise _bad(f"example {number}: every entity needs an 'entity' name.")
        start, end = entity.get("start"), entity.get("end")
        if not (isinstance(start, int) and isinstance(end, int) and 0 <= start <= end <= len(text)):
            raise _bad(f"example {number}: entity '{entity['entity']}' needs 'start' and 'end' inside the text.")
        value = entity.get("value", text[start:end])
        out.append({k: v for k, v in {**entity, "value": value}.items() if v is not None})
    return out


def read_rasa_nlu_json(text: str) -> NluData:
    """Build :class:`NluData` from the JSON text.

    Raises:
        BadRequest: Not JSON, no ``rasa_nlu_data`` object, or bad items.
    """
    try:
        doc = orjson.loads(text)
    except orjson.JSONDecodeError as ex:
        raise BadRequest(f"The request body is not valid JSON: {ex}") from None
    section = doc.get("rasa_nlu_data") if isinstance(doc, dict) else None
    if not isinstance(section, dict):
        raise _bad("the body must be an object with a 'rasa_nlu_data' object.")
    data = NluData()
    for number, example in enumerate(_list(section, "common_examples")):
        text_value = example.get("text")
        if not isinstance(text_value, str):
            raise _bad(f"example {number} needs a 'text'.")
        intent = example.get("intent")
        data.examples.append(
            NluExample(text_value, intent if isinstance(intent, str) and intent else None,
                       _entities(example, text_value, number))
        )
    for item in _list(section, "entity_synonyms"):
        value = str(item.get("value", ""))
        data.synonyms[value.lower()] = value
        for synonym in item.get("synonyms") or []:
            data.synonyms[str(synonym).lower()] = value
    for item in _list(section, "regex_features"):
        data.regexes.append({"name": str(item.get("name", "")), "pattern": str(item.get("pattern", ""))})
    for item in _list(section, "lookup_tables"):
        elements = item.get("elements") or []
        data.lookups.append({"name": str(item.get("name", "")), "elements": [str(e) for e in elements]})
    return data
