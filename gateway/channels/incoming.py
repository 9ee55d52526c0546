"""Reading the user message that a webhook channel receives as JSON.

The REST and callback channels take the same body, Rasa's::

    {"sender"?: str | int, "message": str, "input_channel"?: str, "metadata"?: object}

and hand one ``HandleMessageRequest`` to the engine, whose replies they
turn into their own output.
"""
from __future__ import annotations

import logging
from typing import Any

import orjson

from gateway.errors import bad_request
from protos import engine_pb2

logger = logging.getLogger(__name__)

DEFAULT_SENDER = "default"
"""Conversation id of a message without ``sender`` (as in Rasa)."""


def sender_id(value: Any) -> str:
    """Return the conversation id: ``"default"`` when absent, ints stringified.

    Raises:
        ApiError: 400 for any other type.
    """
    if value is None:
        return DEFAULT_SENDER
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise bad_request("'sender' must be a string or an integer.", "sender")
    return str(value)


def message_text(value: Any) -> str:
    """Return the stripped user text.

    Raises:
        ApiError: 400 unless it is a string.
    """
    if not isinstance(value, str):
        raise bad_request("'message' must be a string.", "message")
    return value.strip()


def input_channel_name(value: Any, default: str) -> str:
    """Return the named input channel, ``default`` when absent or empty.

    Raises:
        ApiError: 400 unless it is a string.
    """
    if value is None or value == "":
        return default
    if not isinstance(value, str):
        raise bad_request("'input_channel' must be a string.", "input_channel")
    return value


def metadata_json(value: Any) -> bytes:
    """Return message metadata as JSON bytes (``b""`` for none).

    Raises:
        ApiError: 400 unless it is an object.
    """
    if value is None:
        return b""
    if not isinstance(value, dict):
        raise bad_request("'metadata' must be a JSON object.", "metadata")
    return orjson.dumps(value) if value else b""


def handle_message_request(
    data: dict[str, Any],
    *,
    channel: str,
    output_channel: str,
    named_input_channel: bool = True,
) -> engine_pb2.HandleMessageRequest:
    """Build the engine request for a webhook body.

    Args:
        data: The decoded JSON body.
        channel: The receiving channel's name (the default input channel).
        output_channel: Output channel name the replies are rendered for.
        named_input_channel: Whether the body may name another input channel
            (REST may; callback may not, as in Rasa).

    Raises:
        ApiError: 400 for a body of the wrong shape.
    """
    sender = sender_id(data.get("sender"))
    text = message_text(data.get("message"))
    source = (
        input_channel_name(data.get("input_channel"), channel) if named_input_channel else channel
    )
    return engine_pb2.HandleMessageRequest(
        conversation_id=sender,
        text=text,
        input_channel=source,
        metadata_json=metadata_json(data.get("metadata")),
        output_channel=output_channel,
    )


def message_list(raw: bytes) -> list[Any]:
    """Decode the engine's ``messages_json`` (a JSON array; ``[]`` when empty)."""
    if not raw:
        return []
    messages = orjson.loads(raw)
    if not isinstance(messages, list):
        logger.error("the engine answered bot messages that are not a list")
        return []
    return messages
