"""Small shape checks shared by the YAML readers.

They raise :class:`engine.errors.DataError` with the file and the line of
the offending value, phrased the way a user reads their YAML ("'intents'
must be a list, found a string").
"""
from __future__ import annotations

import logging
from typing import Any

from engine.data.yaml_io import line_of
from engine.errors import DataError

_KIND_NAMES = {
    dict: "a mapping",
    list: "a list",
    str: "a string",
    bool: "a boolean",
    int: "a number",
    float: "a number",
}


def describe(value: Any) -> str:
    """Name the YAML kind of ``value`` ("a string", "a list", "null"...)."""
    if value is None:
        return "null"
    for kind, name in _KIND_NAMES.items():
        if isinstance(value, kind):
            return name
    return f"a {type(value).__name__}"


def expect(
    value: Any,
    kinds: type | tuple[type, ...],
    what: str,
    *,
    file: str | None,
    parent: Any = None,
    key: Any = None,
    allow_none: bool = False,
) -> Any:
    """Return ``value`` if it has one of ``kinds``; raise DataError otherwise.

    Args:
        value: The loaded value.
        kinds: Accepted Python types (``bool`` is never accepted as a number).
        what: How to call the value in the message, e.g. ``"'intents'"``.
        file: File name for the message.
        parent: Container holding ``value`` (for the line number).
        key: Key or index of ``value`` in ``parent``.
        allow_none: Whether null is accepted.
    """
    if value is None and allow_none:
        return value
    kinds_t = kinds if isinstance(kinds, tuple) else (kinds,)
    is_bool_as_number = isinstance(value, bool) and bool not in kinds_t
    if isinstance(value, kinds_t) and not is_bool_as_number:
        return value
    wanted = " or ".join(dict.fromkeys(_KIND_NAMES.get(k, k.__name__) for k in kinds_t))
    raise DataError(
        f"{what} must be {wanted}, found {describe(value)}",
        file=file,
        line=where(value, parent, key),
    )


def where(value: Any, parent: Any = None, key: Any = None) -> int | None:
    """Best 1-based line for ``value``: its own, else its entry in ``parent``."""
    own = line_of(value)
    if own:
        return own
    if parent is not None and key is not None:
        return line_of(parent, key)
    return line_of(parent)


def warn(logger: logging.Logger, problem: str, *, file: str | None, line: int | None = None) -> None:
    """Log a data warning that names the file and line like DataError does."""
    place = f"{file}:{line}: " if file and line else (f"{file}: " if file else "")
    logger.warning("%s%s", place, problem)
