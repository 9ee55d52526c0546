"""File event broker: one JSON line per event, appended to a file."""
from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

import orjson

from engine.errors import BadRequest, DataError, Unavailable
from engine.stores.brokers.base import EventBroker


class FileEventBroker(EventBroker):
    """Appends each event as a JSON line to ``path``.

    Each line goes out in a single ``write`` on a file opened for appending,
    so lines from several engine processes never interleave mid-line.

    Args:
        path: The log file (default ``rasa_event.log``, as Rasa).
    """

    name = "file"

    def __init__(self, path: str | os.PathLike[str] = "rasa_event.log", **_ignored: Any) -> None:
        self.path = Path(path or "rasa_event.log")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._file = open(self.path, "ab", buffering=0)  # noqa: SIM115 - closed in close()
        except OSError as ex:
            raise DataError(f"cannot open the event log for appending: {ex}", file=str(self.path)) from ex
        self._guard = threading.Lock()

    def publish(self, event: dict[str, Any]) -> None:
        """Append the event as one line."""
        try:
            line = orjson.dumps(event) + b"\n"
        except TypeError as ex:
            raise BadRequest(f"event cannot be published as JSON: {ex}") from ex
        with self._guard:
            try:
                self._file.write(line)
            except (OSError, ValueError) as ex:
                raise Unavailable(f"cannot write the event log {self.path}: {ex}") from ex

    def close(self) -> None:
        """Close the file."""
        with self._guard:
            self._file.close()
