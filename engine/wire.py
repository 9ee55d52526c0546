"""Conversions between protobuf messages and engine values.

Rasa-shaped documents cross the wire as orjson-encoded bytes; envelopes are
typed fields. Nothing here has logic beyond the conversion.
"""
from __future__ import annotations

from typing import Any

import orjson

from engine.errors import BadRequest
from protos import engine_pb2

_JSON_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY

VERBOSITY_NAMES = {
    engine_pb2.EVENT_VERBOSITY_UNSPECIFIED: "AFTER_RESTART",
    engine_pb2.EVENT_VERBOSITY_NONE: "NONE",
    engine_pb2.EVENT_VERBOSITY_APPLIED: "APPLIED",
    engine_pb2.EVENT_VERBOSITY_AFTER_RESTART: "AFTER_RESTART",
    engine_pb2.EVENT_VERBOSITY_ALL: "ALL",
}


def to_json(value: Any) -> bytes:
    """Encode a JSON-ready value."""
    return orjson.dumps(value, option=_JSON_OPTIONS)


def json_object(data: bytes, field: str) -> dict[str, Any] | None:
    """Decode an optional JSON object field; empty bytes mean None."""
    if not data:
        return None
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError as ex:
        raise BadRequest(f"'{field}' is not valid JSON: {ex}", details={"parameter": field, "in": "body"}) from ex
    if value is not None and not isinstance(value, dict):
        raise BadRequest(f"'{field}' must be a JSON object.", details={"parameter": field, "in": "body"})
    return value


def verbosity(value: int) -> str:
    """Map the proto enum to Rasa's EventVerbosity name."""
    try:
        return VERBOSITY_NAMES[value]
    except KeyError as ex:
        raise BadRequest(
            "Invalid parameter value for 'include_events'.",
            details={"parameter": "include_events", "in": "query"},
        ) from ex


PAYLOAD_FORMATS = {
    engine_pb2.PAYLOAD_FORMAT_UNSPECIFIED: "",
    engine_pb2.PAYLOAD_FORMAT_YAML: "yaml",
    engine_pb2.PAYLOAD_FORMAT_JSON: "json",
}


def payload_format(value: int) -> str:
    """Map the proto enum to ``""`` (decide from content), ``"yaml"`` or ``"json"``."""
    return PAYLOAD_FORMATS.get(value, "")


def optional(message: Any, name: str) -> Any:
    """Return an ``optional`` field's value, or None when it is not set."""
    return getattr(message, name) if message.HasField(name) else None


def json_value(data: bytes, field: str) -> Any:
    """Decode an optional JSON field of any type; empty bytes mean None."""
    if not data:
        return None
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as ex:
        raise BadRequest(f"'{field}' is not valid JSON: {ex}", details={"parameter": field, "in": "body"}) from ex


def turn_response(result: Any) -> engine_pb2.ConversationTurnResponse:
    """Build the response of a conversation turn from a ``TurnResult``."""
    return engine_pb2.ConversationTurnResponse(
        tracker_json=to_json(result.tracker),
        messages_json=to_json(result.messages),
        output_channel=result.output_channel or "",
        latest_input_channel=result.latest_input_channel or "",
    )
