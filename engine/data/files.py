"""Find the YAML files of a project on disk."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator

from engine.data.yaml_io import is_yaml_path


def yaml_files_in(directory: str | Path) -> list[Path]:
    """Return the ``.yml``/``.yaml`` files under ``directory``, recursively.

    Hidden files and folders (leading ``.``) are skipped, as Rasa does. The
    order is sorted so a project always loads the same way.
    """
    return sorted(_walk(Path(directory)), key=lambda p: p.as_posix())


def _walk(directory: Path) -> Iterator[Path]:
    visited: set[str] = set()
    for root, dirs, files in os.walk(directory, followlinks=True):
        real = os.path.realpath(root)
        if real in visited:
            # A symlink loop would otherwise be walked forever.
            dirs[:] = []
            continue
        visited.add(real)
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in files:
            if not name.startswith(".") and is_yaml_path(name):
                yield Path(root) / name
