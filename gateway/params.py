"""Query parameters, parsed the way Rasa's server parses them."""
from __future__ import annotations

import math

import falcon

from gateway.errors import bad_request
from protos import engine_pb2

_VERBOSITY = {
    "ALL": engine_pb2.EVENT_VERBOSITY_ALL,
    "APPLIED": engine_pb2.EVENT_VERBOSITY_APPLIED,
    "AFTER_RESTART": engine_pb2.EVENT_VERBOSITY_AFTER_RESTART,
    "NONE": engine_pb2.EVENT_VERBOSITY_NONE,
}


def bool_param(req: falcon.Request, name: str, default: bool = False) -> bool:
    """Read a boolean: true only for ``true`` in any case (``1``/``yes`` are false)."""
    value = req.get_param(name)
    if value is None:
        return default
    return value.lower() == "true"


def float_param(req: falcon.Request, name: str) -> float | None:
    """Read a float; a value that does not parse is ignored (``None``), as Rasa does."""
    value = req.get_param(name)
    if value is None:
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return None if math.isnan(number) else number


def include_events(req: falcon.Request) -> engine_pb2.EventVerbosity:
    """Read ``include_events`` (case-insensitive; default ``AFTER_RESTART``).

    Returns:
        The ``EventVerbosity`` enum value.

    Raises:
        ApiError: 400 for a value outside ALL, APPLIED, AFTER_RESTART, NONE.
    """
    value = req.get_param("include_events")
    if value is None:
        return engine_pb2.EVENT_VERBOSITY_AFTER_RESTART
    verbosity = _VERBOSITY.get(value.upper())
    if verbosity is None:
        raise bad_request(
            f"Invalid parameter value for 'include_events'. "
            f"Should be one of {', '.join(_VERBOSITY)}",
            "include_events",
            "query",
        )
    return verbosity


INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1


def int_param(req: falcon.Request, name: str) -> int | None:
    """Read an integer; a value that does not parse is ignored (``None``), as Rasa does.

    Raises:
        ApiError: 400 for an integer outside 32 bits (the engine's wire type).
    """
    value = req.get_param(name)
    if value is None:
        return None
    try:
        number = int(value)
    except ValueError:
        return None
    if not INT32_MIN <= number <= INT32_MAX:
        raise bad_request(f"'{name}' must be between {INT32_MIN} and {INT32_MAX}.", name, "query")
    return number


def optional_bool_param(req: falcon.Request, name: str) -> bool | None:
    """Read a boolean that may be absent: ``None`` when absent, else as :func:`bool_param`."""
    value = req.get_param(name)
    return None if value is None else value.lower() == "true"
