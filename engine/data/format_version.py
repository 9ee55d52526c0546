"""The ``version`` key of Rasa domain and training data files.

Rasa's rule, which we follow: a missing version means the latest format; a
version that is not a quoted string, or that is newer than the latest
format, makes Rasa skip the whole file with a warning; an unparsable version
string is an error. Rasa 3.x also warns about 2.x files; we read both
formats, so only versions before 2.0 are warned about.
"""
from __future__ import annotations

import logging
import re
from typing import Any

from engine.data.checks import warn
from engine.data.yaml_io import line_of
from engine.errors import DataError

logger = logging.getLogger(__name__)

#: Latest training data format version (Rasa 3.x).
LATEST_FORMAT_VERSION = (3, 1)

_VERSION_RE = re.compile(r"^\d+(?:\.\d+)*$")


def parse_format_version(text: str) -> tuple[int, ...] | None:
    """Parse ``"3.1"`` into ``(3, 1)``; None when it is not a version."""
    text = text.strip().strip("\"'")
    if not _VERSION_RE.match(text):
        return None
    return tuple(int(part) for part in text.split("."))


def accept_format_version(doc: Any, *, file: str | None) -> bool:
    """Check ``doc["version"]``; False means "skip this file" (warned).

    Raises:
        DataError: The version is a string that is not a version number.
    """
    if not isinstance(doc, dict) or doc.get("version") is None:
        return True
    value = doc["version"]
    line = line_of(doc, "version")
    if not isinstance(value, str):
        warn(
            logger,
            f"'version' must be a quoted string such as version: \"3.1\", found {value!r}; "
            "the file is skipped (as Rasa does)",
            file=file,
            line=line,
        )
        return False
    parsed = parse_format_version(value)
    if parsed is None:
        raise DataError(f"'version' {value!r} is not a format version such as \"3.1\"", file=file, line=line)
    if parsed > LATEST_FORMAT_VERSION:
        latest = ".".join(map(str, LATEST_FORMAT_VERSION))
        warn(
            logger,
            f"format version {value!r} is newer than the latest supported version {latest!r}; "
            "the file is skipped (as Rasa does)",
            file=file,
            line=line,
        )
        return False
    if parsed < (2, 0):
        warn(logger, f"format version {value!r} is older than 2.0; reading it as 3.1", file=file, line=line)
    return True
