"""The one place that turns failures into Rasa's error JSON.

Every error response of the gateway has Rasa's ``ErrorResponse`` body::

    {"version", "status": "failure", "message", "reason", "details", "help", "code"}

Engine failures arrive as ``grpc.aio.AioRpcError`` with an ``ErrorDetail`` in
the trailing metadata; they are mapped here onto HTTP statuses. Anything not
foreseen becomes a generic 500 whose traceback stays in the log.
"""
from __future__ import annotations

import logging
from typing import Any

import falcon
import grpc
import orjson
from google.protobuf.message import DecodeError

from protos import engine_pb2

logger = logging.getLogger(__name__)

ERROR_DETAIL_KEY = "parley-error-detail-bin"
"""Trailing metadata key of the engine's serialized ``ErrorDetail``."""

_STATUS_BY_CODE: dict[grpc.StatusCode, int] = {
    grpc.StatusCode.INVALID_ARGUMENT: 400,
    grpc.StatusCode.UNAUTHENTICATED: 401,
    grpc.StatusCode.PERMISSION_DENIED: 403,
    grpc.StatusCode.NOT_FOUND: 404,
    grpc.StatusCode.FAILED_PRECONDITION: 409,
    grpc.StatusCode.ABORTED: 409,
    grpc.StatusCode.UNAVAILABLE: 503,
    grpc.StatusCode.DEADLINE_EXCEEDED: 504,
}

# Reasons for errors that carry no reason of their own (Falcon's, or an
# engine status without ErrorDetail). Rasa's names where Rasa has one.
_REASON_BY_STATUS: dict[int, str] = {
    400: "BadRequest",
    401: "NotAuthenticated",
    403: "NotAuthorized",
    404: "NotFound",
    405: "MethodNotAllowed",
    406: "NotAcceptable",
    409: "Conflict",
    411: "LengthRequired",
    413: "PayloadTooLarge",
    415: "UnsupportedMediaType",
    500: "ServerError",
    503: "ServiceUnavailable",
    504: "GatewayTimeout",
}

UNAVAILABLE_MESSAGE = (
    "The engine is not reachable. Check that the engine process is running "
    "and that ENGINE_ADDRESS points to it."
)
TIMEOUT_MESSAGE = "The engine did not answer in time (the request timed out)."
UNEXPECTED_MESSAGE = "An unexpected error occurred."


class ApiError(falcon.HTTPError):
    """An HTTP error with the fields of Rasa's error JSON.

    Args:
        status: HTTP status code.
        reason: Rasa's ``reason`` (e.g. ``"BadRequest"``).
        message: Human-readable ``message``.
        details: Rasa's ``details`` object (``{}`` when omitted).
        help: Optional documentation URL.
    """

    def __init__(
        self,
        status: int,
        reason: str,
        message: str,
        *,
        details: dict[str, Any] | None = None,
        help: str | None = None,
    ) -> None:
        super().__init__(status, title=reason, description=message)
        self.reason = reason
        self.message = message
        self.details = details or {}
        self.help = help


def bad_request(message: str, parameter: str | None = None, location: str = "body") -> ApiError:
    """Build a 400 BadRequest naming the offending parameter.

    Args:
        message: What is wrong, for the API client.
        parameter: Name of the bad parameter; ``None`` gives empty details.
        location: Where the parameter is: ``"body"`` or ``"query"``.
    """
    details = {"parameter": parameter, "in": location} if parameter is not None else None
    return ApiError(400, "BadRequest", message, details=details)


def error_body(
    version: str, code: int, reason: str, message: str, details: Any, help: str | None
) -> bytes:
    """Serialize Rasa's error JSON."""
    return orjson.dumps(
        {
            "version": version,
            "status": "failure",
            "message": message,
            "reason": reason,
            "details": details if details is not None else {},
            "help": help,
            "code": code,
        }
    )


class ErrorSerializer:
    """Falcon error serializer writing every ``HTTPError`` as Rasa's error JSON.

    Args:
        version: Value of the body's ``version`` field.
    """

    def __init__(self, version: str) -> None:
        self.version = version

    def __call__(self, req: falcon.Request, resp: falcon.Response, ex: falcon.HTTPError) -> None:
        """Write ``ex`` into ``resp`` (Falcon has set status and headers)."""
        code = ex.status_code
        if isinstance(ex, ApiError):
            reason, message, details, help = ex.reason, ex.message, ex.details, ex.help
        else:
            reason = _REASON_BY_STATUS.get(code) or _title_reason(ex.title)
            message = _falcon_message(req, ex)
            details, help = {}, None
        resp.content_type = falcon.MEDIA_JSON
        resp.data = error_body(self.version, code, reason, message, details, help)


def _title_reason(title: str | None) -> str:
    # "418 I'm a teapot" -> "ImATeapot"
    words = (title or "Error").split(" ")[1:] or ["Error"]
    return "".join(w[:1].upper() + w[1:] for w in words if w).replace("'", "")


def _falcon_message(req: falcon.Request, ex: falcon.HTTPError) -> str:
    if isinstance(ex, falcon.HTTPRouteNotFound):
        return f"Requested URL {req.path} not found"
    if isinstance(ex, falcon.HTTPMethodNotAllowed):
        return f"Method {req.method} not allowed for URL {req.path}"
    if ex.description:
        return str(ex.description)
    title = ex.title or ""
    return title.split(" ", 1)[1] if title[:3].isdigit() and " " in title else title


def from_rpc_error(ex: grpc.aio.AioRpcError) -> ApiError:
    """Map a failed engine call onto an :class:`ApiError`.

    The engine's ``ErrorDetail`` (reason, message, details, help) is used
    when present; otherwise a generic message fitting the status is given.
    The engine's raw status text is shown only for client errors (4xx),
    never for server errors, which may carry internals.
    """
    code = ex.code()
    status = _STATUS_BY_CODE.get(code, 500)
    detail = _error_detail(ex)
    if detail is not None and (detail.reason or detail.message):
        return ApiError(
            status,
            detail.reason or _REASON_BY_STATUS.get(status, "ServerError"),
            detail.message or _generic_message(status, ex),
            details=_details(detail.details_json),
            help=detail.help or None,
        )
    if status >= 500:
        logger.error("engine call failed: %s %s", code, ex.details())
    reason = _REASON_BY_STATUS.get(status, "ServerError")
    return ApiError(status, reason, _generic_message(status, ex))


def _generic_message(status: int, ex: grpc.aio.AioRpcError) -> str:
    if status == 503:
        return UNAVAILABLE_MESSAGE
    if status == 504:
        return TIMEOUT_MESSAGE
    if status >= 500:
        return UNEXPECTED_MESSAGE
    return ex.details() or _REASON_BY_STATUS.get(status, "Error")


def _error_detail(ex: grpc.aio.AioRpcError) -> engine_pb2.ErrorDetail | None:
    try:
        metadata = ex.trailing_metadata() or ()
        for key, value in metadata:
            if key == ERROR_DETAIL_KEY and isinstance(value, bytes):
                detail: engine_pb2.ErrorDetail = engine_pb2.ErrorDetail.FromString(value)
                return detail
    except (DecodeError, TypeError, ValueError):
        logger.warning("ignoring an unreadable error detail from the engine")
    return None


def _details(raw: bytes) -> dict[str, Any]:
    if not raw:
        return {}
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return {}
    return value if isinstance(value, dict) else {}


async def handle_rpc_error(
    req: falcon.Request, resp: falcon.Response, ex: grpc.aio.AioRpcError, params: dict[str, Any]
) -> None:
    """Falcon error handler for failed engine calls."""
    raise from_rpc_error(ex)


async def handle_unexpected(
    req: falcon.Request, resp: falcon.Response, ex: Exception, params: dict[str, Any]
) -> None:
    """Falcon error handler of last resort: log the traceback, answer 500."""
    logger.error("unhandled error on %s %s", req.method, req.path, exc_info=ex)
    raise ApiError(500, "ServerError", UNEXPECTED_MESSAGE)
