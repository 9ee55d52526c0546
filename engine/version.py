"""Parley's version and the oldest model archive format it loads."""
from __future__ import annotations

from importlib import metadata

MINIMUM_COMPATIBLE_VERSION = "0.1.0"
"""Oldest Parley version whose model archives this engine can load."""


def parley_version() -> str:
    """Return the installed Parley version."""
    try:
        return metadata.version("parley")
    except metadata.PackageNotFoundError:  # running from a source tree
        return "0.0.0+source"
