"""Request bodies: the size limit and JSON decoding with Rasa-style 400s."""
from __future__ import annotations

from typing import Any

import falcon.asgi
import orjson

from gateway.errors import ApiError, bad_request


def too_large(limit: int) -> ApiError:
    """Build the 413 error for a body over ``limit`` bytes."""
    return ApiError(
        413,
        "PayloadTooLarge",
        f"The request body is larger than the limit of {limit} bytes.",
        details={"parameter": "body", "in": "body"},
    )


class BodyLimitMiddleware:
    """Refuse a declared ``Content-Length`` over the limit before routing.

    Bodies without a length (chunked) are capped by :class:`BodyReader`.

    Args:
        max_bytes: Largest accepted body.
    """

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes

    async def process_request(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        """Raise 413 when the declared body is too large."""
        length = req.content_length
        if length is not None and length > self.max_bytes:
            raise too_large(self.max_bytes)


class BodyReader:
    """Read request bodies up to a size limit.

    Args:
        max_bytes: Largest accepted body; more gives 413.
    """

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes

    async def read(self, req: falcon.asgi.Request) -> bytes:
        """Return the raw body (``b""`` when there is none)."""
        data: bytes = await req.stream.read(self.max_bytes + 1)
        if len(data) > self.max_bytes:
            raise too_large(self.max_bytes)
        return data

    async def json(self, req: falcon.asgi.Request) -> Any:
        """Return the decoded JSON body, or ``None`` for an empty body.

        Raises:
            ApiError: 400 when the body is not valid JSON, 413 when too large.
        """
        data = await self.read(req)
        if not data.strip():
            return None
        try:
            return orjson.loads(data)
        except orjson.JSONDecodeError as ex:
            raise bad_request(f"The request body is not valid JSON: {ex}", "body") from None

    async def json_object(self, req: falcon.asgi.Request, empty_message: str) -> dict[str, Any]:
        """Return the JSON body, which must be a non-empty object.

        Args:
            req: The request.
            empty_message: Message of the 400 for an empty body.
        """
        value = await self.json(req)
        if value is None or value == {}:
            raise bad_request(empty_message, "body")
        if not isinstance(value, dict):
            raise bad_request("The request body must be a JSON object.", "body")
        return value
