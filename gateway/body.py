"""Request bodies: the size limit and JSON decoding with Rasa-style 400s."""
from __future__ import annotations

from typing import Any, Awaitable, Callable

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

    Bodies without a length (chunked) are capped as they are read (see
    :func:`limited_request_type` and :class:`BodyReader`).

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


def limited_request_type(max_bytes: int) -> type[falcon.asgi.Request]:
    """Return a request class whose body stream refuses more than ``max_bytes``.

    A body sent without ``Content-Length`` (chunked) is counted as it
    arrives, whichever way a responder reads it (``req.stream``,
    ``req.get_media()``), and reading past the limit raises 413; bodies
    with a length are refused up front by :class:`BodyLimitMiddleware`.

    Args:
        max_bytes: Largest accepted body.
    """

    class LimitedRequest(falcon.asgi.Request):
        def __init__(
            self,
            scope: dict[str, Any],
            receive: Any,
            first_event: dict[str, Any] | None = None,
            options: Any = None,
        ) -> None:
            if not _declares_length(scope):
                receive = _counting_receive(receive, max_bytes, first_event)
            super().__init__(scope, receive, first_event=first_event, options=options)

    return LimitedRequest


def _declares_length(scope: dict[str, Any]) -> bool:
    headers = scope.get("headers") or []
    if not isinstance(headers, list) or not all(isinstance(h, (tuple, list)) for h in headers):
        # ASGI allows iterables of iterables (Falcon's test client sends
        # one-shot iterators); keep lists of pairs so reading twice works.
        headers = scope["headers"] = [tuple(pair) for pair in headers]
    return any(pair[0].lower() == b"content-length" for pair in headers)


def _counting_receive(
    receive: Any, max_bytes: int, first_event: dict[str, Any] | None
) -> Callable[[], Awaitable[dict[str, Any]]]:
    received = len(first_event.get("body", b"")) if first_event else 0

    async def counted() -> dict[str, Any]:
        nonlocal received
        event: dict[str, Any] = await receive()
        received += len(event.get("body", b""))
        if received > max_bytes:
            raise too_large(max_bytes)
        return event

    return counted


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
