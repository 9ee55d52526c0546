"""Parse results in other NLU services' formats (``/model/parse?emulation_mode=``).

Rasa's three emulation modes, from a Rasa parse result dict:

* ``wit``: wit.ai ``/message`` (2020-05-13 API): ``text``, ``intents``,
  ``entities`` keyed ``"<type>:<role>"``.
* ``luis``: LUIS v3 ``/predict``: ``query`` and ``prediction`` with
  ``topIntent``, ``intents`` (name -> score) and ``entities`` (role or type
  -> values, plus ``$instance`` details).
* ``dialogflow``: Dialogflow ES ``detectIntent``: ``responseId`` and
  ``queryResult``.
"""
from __future__ import annotations

import uuid
from typing import Any, Callable

from engine.errors import BadRequest


def to_wit(result: dict[str, Any]) -> dict[str, Any]:
    """Render a parse result in wit.ai's format."""
    text = result.get("text") or ""
    entities: dict[str, list[dict[str, Any]]] = {}
    for entity in result.get("entities") or []:
        kind = entity.get("entity")
        role = entity.get("role", kind)
        start, end = entity.get("start", 0), entity.get("end", 0)
        entities.setdefault(f"{kind}:{role}", []).append(
            {
                "confidence": entity.get("confidence_entity") or 1,
                "name": kind,
                "value": entity.get("value"),
                "body": text[start or 0 : end or 0],  # the text before any synonym mapping
                "start": entity.get("start"),
                "end": entity.get("end"),
                "role": role,
                "entities": [],
            }
        )
    return {"text": text, "intents": [result.get("intent")], "entities": entities}


def _luis_intents(result: dict[str, Any]) -> dict[str, Any]:
    ranking = result.get("intent_ranking")
    if ranking:
        return {entry["name"]: {"score": entry["confidence"]} for entry in ranking}
    top = result.get("intent")
    return {top["name"]: {"score": top.get("confidence")}} if top else {}


def _luis_entities(result: dict[str, Any]) -> dict[str, Any]:
    if "entities" not in result:
        return {}
    entities: dict[str, Any] = {"$instance": {}}
    for entity in result["entities"] or []:
        # LUIS v3 keys entities by role when there is one.
        key = entity.get("role", entity.get("entity"))
        entities[key] = [entity.get("value")]
        has_span = "start" in entity and "end" in entity
        entities["$instance"][key] = [
            {
                "role": entity.get("role"),
                "type": entity.get("entity"),
                "text": entity.get("value"),
                "startIndex": entity.get("start"),
                "length": entity["end"] - entity["start"] if has_span else None,
                "score": entity.get("confidence"),
                "modelType": entity.get("extractor"),
            }
        ]
    return entities


def to_luis(result: dict[str, Any]) -> dict[str, Any]:
    """Render a parse result in LUIS v3's format."""
    top = result.get("intent")
    return {
        "query": result.get("text"),
        "prediction": {
            "normalizedQuery": result.get("text"),
            "topIntent": top.get("name") if top else None,
            "intents": _luis_intents(result),
            "entities": _luis_entities(result),
        },
    }


def to_dialogflow(result: dict[str, Any]) -> dict[str, Any]:
    """Render a parse result in Dialogflow ES's format."""
    parameters: dict[str, list[Any]] = {}
    for entity in result.get("entities") or []:
        parameters.setdefault(entity.get("entity"), []).append(entity.get("value"))
    intent = result.get("intent") or {}
    return {
        "responseId": str(uuid.uuid1()),
        "queryResult": {
            "queryText": result.get("text"),
            "action": intent.get("name"),
            "parameters": parameters,
            "fulfillmentText": "",
            "fulfillmentMessages": [],
            "outputContexts": [],
            "intent": {"name": intent.get("name"), "displayName": intent.get("name")},
            "intentDetectionConfidence": intent.get("confidence"),
        },
    }


EMULATORS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "wit": to_wit,
    "luis": to_luis,
    "dialogflow": to_dialogflow,
}


def check_mode(mode: str) -> str:
    """Return ``mode`` lower-cased, or raise BadRequest if it is not emulated."""
    lowered = mode.lower()
    if lowered not in EMULATORS:
        raise BadRequest(
            f"Invalid parameter value for 'emulation_mode'. Should be one of {', '.join(EMULATORS)}",
            details={"parameter": "emulation_mode", "in": "query"},
        )
    return lowered


def emulate(mode: str, result: dict[str, Any]) -> dict[str, Any]:
    """Render ``result`` in the format of emulation ``mode`` (case-insensitive).

    Raises:
        BadRequest: ``mode`` is not wit, luis or dialogflow.
    """
    return EMULATORS[check_mode(mode)](result)
