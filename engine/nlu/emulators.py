"""Parse results in the formats of other NLU services (`emulation_mode`).

Rasa's `POST /model/parse?emulation_mode=wit|luis|dialogflow` answers in the
shape those services used, so clients written for them keep working.
"""
from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import Any, Callable


def _intent(result: dict[str, Any]) -> tuple[str | None, float | None]:
    intent = result.get("intent") or {}
    return intent.get("name"), intent.get("confidence")


def to_wit(result: dict[str, Any]) -> dict[str, Any]:
    """Return the parse result as wit.ai's response."""
    name, confidence = _intent(result)
    entities: dict[str, list[dict[str, Any]]] = {}
    for entity in result.get("entities", []):
        entities.setdefault(entity["entity"], []).append(
            {
                "confidence": entity.get("confidence_entity", entity.get("confidence")),
                "type": "value",
                "value": entity.get("value"),
                "start": entity.get("start"),
                "end": entity.get("end"),
            }
        )
    return {"_text": result.get("text"), "confidence": confidence, "intent": name, "entities": entities}


def to_luis(result: dict[str, Any]) -> dict[str, Any]:
    """Return the parse result as LUIS's response."""
    name, confidence = _intent(result)
    ranking = result.get("intent_ranking") or ([{"name": name, "confidence": confidence}] if name else [])
    return {
        "query": result.get("text"),
        "topScoringIntent": {"intent": name, "score": confidence} if name else None,
        "intents": [{"intent": item["name"], "score": item["confidence"]} for item in ranking],
        "entities": [
            {
                "entity": entity.get("value"),
                "type": entity.get("entity"),
                "startIndex": entity.get("start"),
                "endIndex": (entity["end"] - 1) if isinstance(entity.get("end"), int) else None,
                "score": entity.get("confidence_entity", entity.get("confidence")),
            }
            for entity in result.get("entities", [])
        ],
    }


def to_dialogflow(result: dict[str, Any]) -> dict[str, Any]:
    """Return the parse result as Dialogflow's (v1) response."""
    name, confidence = _intent(result)
    parameters: dict[str, list[Any]] = {}
    for entity in result.get("entities", []):
        parameters.setdefault(entity["entity"], []).append(entity.get("value"))
    return {
        "id": str(uuid.uuid4()),
        "sessionId": str(uuid.uuid4()),
        "timestamp": datetime.now(timezone.utc).isoformat(),
        "result": {
            "source": "agent",
            "resolvedQuery": result.get("text"),
            "action": None,
            "actionIncomplete": None,
            "parameters": parameters,
            "contexts": [],
            "metadata": {"intentId": str(uuid.uuid4()), "webhookUsed": "false", "intentName": name},
            "fulfillment": {},
            "score": confidence,
        },
        "status": {"code": 200, "errorType": "success"},
    }


EMULATORS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "wit": to_wit,
    "luis": to_luis,
    "dialogflow": to_dialogflow,
}


def emulate(mode: str, result: dict[str, Any]) -> dict[str, Any]:
    """Convert ``result`` to the format named ``mode`` (wit, luis, dialogflow)."""
    return EMULATORS[mode.lower()](result)
