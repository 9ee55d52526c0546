"""Typed engine errors and their one mapping onto gRPC status codes.

Engine code raises an :class:`EngineError` subclass; the servicer decorator
:func:`grpc_errors` turns it into a gRPC status plus an ``ErrorDetail`` in the
trailing metadata (``parley-error-detail-bin``). Nothing else in the engine
knows about gRPC status codes.
"""
from __future__ import annotations

import functools
import logging
from typing import Any, Callable, TypeVar

import orjson

logger = logging.getLogger(__name__)

ERROR_DETAIL_KEY = "parley-error-detail-bin"

F = TypeVar("F", bound=Callable[..., Any])


class EngineError(Exception):
    """Base of every error the engine reports to a caller.

    Attributes:
        reason: Rasa's error ``reason`` (e.g. ``"BadRequest"``).
        message: Human-readable message for the API client.
        details: Rasa's ``details`` object.
        help: Optional documentation URL.
    """

    status_name = "INTERNAL"
    default_reason = "ServerError"

    def __init__(
        self,
        message: str,
        *,
        reason: str | None = None,
        details: dict[str, Any] | None = None,
        help: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.reason = reason or self.default_reason
        self.details = details or {}
        self.help = help


class BadRequest(EngineError):
    """The caller sent something invalid (HTTP 400)."""

    status_name = "INVALID_ARGUMENT"
    default_reason = "BadRequest"


class NotFound(EngineError):
    """A named thing does not exist (HTTP 404)."""

    status_name = "NOT_FOUND"
    default_reason = "NotFound"


class Conflict(EngineError):
    """The engine is not in a state to do this, e.g. no model (HTTP 409)."""

    status_name = "FAILED_PRECONDITION"
    default_reason = "Conflict"


class NoModelLoaded(Conflict):
    """No model is loaded."""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(
            message
            or "No agent loaded. To continue processing, a model of a trained agent needs to be loaded.",
            reason="Conflict",
        )


class LockTimeout(EngineError):
    """A conversation lock could not be acquired before the deadline."""

    status_name = "ABORTED"
    default_reason = "Conflict"


class Unavailable(EngineError):
    """A backing service (store, broker) is down (HTTP 503)."""

    status_name = "UNAVAILABLE"
    default_reason = "ServiceUnavailable"


class DataError(BadRequest):
    """Training data or configuration is invalid.

    The message names the file, the line (when known) and the problem.
    """

    def __init__(self, problem: str, *, file: str | None = None, line: int | None = None) -> None:
        where = ""
        if file:
            where = f"{file}:{line}: " if line else f"{file}: "
        super().__init__(f"{where}{problem}", reason="BadRequest")
        self.problem = problem
        self.file = file
        self.line = line


class TrainingError(EngineError):
    """Training could not produce a model."""

    default_reason = "TrainingError"


class NoTrainingData(TrainingError):
    """The data has nothing to learn from: a client mistake, so 400 where Rasa answers 500."""

    status_name = "INVALID_ARGUMENT"


class ModelLoadError(BadRequest):
    """A model archive could not be loaded (bad path, corrupt, incompatible)."""


def error_detail_bytes(err: EngineError) -> bytes:
    """Serialize ``err`` as an ``ErrorDetail`` message."""
    from protos import engine_pb2

    return engine_pb2.ErrorDetail(
        reason=err.reason,
        message=err.message,
        details_json=orjson.dumps(err.details) if err.details else b"",
        help=err.help or "",
    ).SerializeToString()


def abort_with(context: Any, err: EngineError) -> None:
    """Abort the gRPC call in ``context`` with ``err``'s status and detail."""
    import grpc

    context.set_trailing_metadata(((ERROR_DETAIL_KEY, error_detail_bytes(err)),))
    context.abort(getattr(grpc.StatusCode, err.status_name), err.message)


def grpc_errors(method: F) -> F:
    """Decorate a servicer method: map EngineError (and crashes) to gRPC.

    An unexpected exception is logged with its traceback and reported as a
    generic INTERNAL error; the traceback never leaves the process.
    """

    @functools.wraps(method)
    def wrapper(self: Any, request: Any, context: Any) -> Any:
        try:
            return method(self, request, context)
        except EngineError as ex:
            abort_with(context, ex)
        except Exception:  # process boundary: never leak a traceback
            logger.exception("unexpected error in %s", method.__name__)
            abort_with(context, EngineError("An unexpected error occurred in the engine."))
        return None  # pragma: no cover - abort raises

    return wrapper  # type: ignore[return-value]
