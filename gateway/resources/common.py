"""Small pieces shared by the API resources."""
from __future__ import annotations

from typing import Any, Protocol, Sequence

import falcon
import falcon.asgi
import orjson

from gateway.errors import bad_request

LONG_CALL_TIMEOUT = 3600.0
"""Deadline (s) of training, evaluation and model loading: Rasa's response timeout."""


class MessageOutputs(Protocol):
    """Delivers bot messages to a named output channel (gateway.channels.output)."""

    async def deliver(
        self,
        channel_name: str | None,
        conversation_id: str,
        messages: Sequence[Any],
        *,
        latest_input_channel: str | None = None,
    ) -> list[dict[str, Any]] | None:
        """Send the messages; return them rendered for the response, or None."""


def send_json(resp: falcon.asgi.Response, data: bytes, status: int = 200) -> None:
    """Answer JSON bytes as they are."""
    resp.status = status
    resp.content_type = falcon.MEDIA_JSON
    resp.data = data


def decode_list(raw: bytes) -> list[Any]:
    """Decode a JSON array of bot messages from the engine (empty -> [])."""
    if not raw:
        return []
    value = orjson.loads(raw)
    return value if isinstance(value, list) else []


async def json_fields(body: Any, req: falcon.asgi.Request) -> dict[str, Any]:
    """Return the JSON object body; an empty body is ``{}`` (fields are checked by the caller).

    Raises:
        ApiError: 400 when the body is not JSON or not an object.
    """
    value = await body.json(req)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise bad_request("The request body must be a JSON object.", "body")
    return value


def string_field(data: dict[str, Any], key: str, *, required: bool = False, message: str | None = None) -> str:
    """Return a string field of a JSON body ("" when absent and optional).

    Raises:
        ApiError: 400 when missing (and required) or not a string.
    """
    value = data.get(key)
    if value is None:
        if required:
            raise bad_request(message or f"'{key}' is missing in the request body.", key)
        return ""
    if not isinstance(value, str):
        raise bad_request(f"'{key}' must be a string.", key)
    return value


def object_field(data: dict[str, Any], key: str) -> bytes:
    """Return an optional JSON object field re-encoded (b"" when absent or null)."""
    value = data.get(key)
    if value is None:
        return b""
    if not isinstance(value, dict):
        raise bad_request(f"'{key}' must be a JSON object.", key)
    return orjson.dumps(value)


def media_type(req: falcon.asgi.Request) -> str:
    """Return the request's media type without parameters, lower-cased."""
    return (req.content_type or "").split(";", 1)[0].strip().lower()


def is_yaml_type(req: falcon.asgi.Request) -> bool:
    """Whether the body is declared YAML (``application/x-yaml`` and friends)."""
    kind = media_type(req)
    return kind.endswith("yaml") or kind.endswith("yml")
