"""Model archives: naming, packing, safe unpacking and finding the newest.

An archive is one ``.tar.gz`` holding ``metadata.json``, ``domain.json`` and
one directory per trained part (``nlu/``, ``core/``). Unpacking refuses
anything that could write outside the target directory.
"""
from __future__ import annotations

import os
import secrets
import tarfile
import time
from pathlib import Path, PurePosixPath

from engine.errors import ModelLoadError

ARCHIVE_SUFFIX = ".tar.gz"
MAX_UNPACKED_BYTES = 2 * 1024**3
"""Refuse archives that unpack to more than this (a "zip bomb")."""
MAX_MEMBERS = 100_000

_ADJECTIVES = (
    "amber", "brave", "calm", "clever", "crisp", "eager", "fair", "gentle", "glad", "golden",
    "happy", "keen", "kind", "lively", "lucid", "merry", "nimble", "proud", "quick", "quiet",
    "rapid", "ready", "shiny", "steady", "sunny", "swift", "tidy", "vivid", "warm", "witty",
)
_NOUNS = (
    "badger", "beacon", "brook", "canyon", "cedar", "comet", "delta", "falcon", "fern", "field",
    "harbor", "heron", "island", "lagoon", "lantern", "meadow", "otter", "parrot", "pebble",
    "pine", "prairie", "quartz", "raven", "ridge", "river", "robin", "sparrow", "summit",
    "tide", "willow",
)


def new_archive_name(training_type: str = "both", *, now: float | None = None) -> str:
    """Return a fresh 3.x-style name ``[nlu-|core-]YYYYMMDD-HHMMSS-adj-noun.tar.gz``."""
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(now))
    words = f"{secrets.choice(_ADJECTIVES)}-{secrets.choice(_NOUNS)}"
    prefix = {"nlu": "nlu-", "core": "core-"}.get(training_type, "")
    return f"{prefix}{stamp}-{words}{ARCHIVE_SUFFIX}"


def pack(source_dir: Path, archive_path: Path) -> Path:
    """Write ``source_dir``'s contents into ``archive_path`` atomically."""
    archive_path.parent.mkdir(parents=True, exist_ok=True)
    partial = archive_path.with_name(archive_path.name + ".partial")
    with tarfile.open(partial, "w:gz", compresslevel=6) as tar:
        for path in sorted(source_dir.rglob("*")):
            tar.add(path, arcname=path.relative_to(source_dir).as_posix(), recursive=False)
    os.replace(partial, archive_path)
    return archive_path


def _check_member(member: tarfile.TarInfo) -> None:
    name = member.name
    pure = PurePosixPath(name)
    if name.startswith(("/", "\\")) or pure.is_absolute() or (len(name) > 1 and name[1] == ":"):
        raise ModelLoadError(f"The model archive holds an absolute path ('{name}').")
    if ".." in pure.parts:
        raise ModelLoadError(f"The model archive holds a path leaving the archive ('{name}').")
    if member.issym() or member.islnk():
        raise ModelLoadError(f"The model archive holds a link ('{name}'); links are refused.")
    if not (member.isfile() or member.isdir()):
        raise ModelLoadError(f"The model archive holds a special file ('{name}').")


def unpack(archive_path: Path, target_dir: Path, *, max_bytes: int = MAX_UNPACKED_BYTES) -> None:
    """Extract ``archive_path`` into ``target_dir`` after checking every member.

    Raises:
        ModelLoadError: The file is missing, not a gzip tar, or holds absolute
            paths, ``..``, links, special files, too many members or more than
            ``max_bytes`` of content.
    """
    if not archive_path.is_file():
        raise ModelLoadError(f"No model archive at '{archive_path}'.")
    try:
        with tarfile.open(archive_path, "r:gz") as tar:
            members = []
            total = 0
            for member in tar:
                _check_member(member)
                total += member.size
                members.append(member)
                if total > max_bytes:
                    raise ModelLoadError(
                        f"The model archive unpacks to more than {max_bytes} bytes; refused."
                    )
                if len(members) > MAX_MEMBERS:
                    raise ModelLoadError("The model archive holds too many files; refused.")
            target_dir.mkdir(parents=True, exist_ok=True)
            tar.extractall(target_dir, members=members, filter="data")
    except (tarfile.TarError, EOFError, OSError, ValueError) as ex:
        raise ModelLoadError(f"'{archive_path.name}' is not a readable model archive: {ex}") from ex


def latest_archive(directory: Path) -> Path | None:
    """Return the newest ``.tar.gz`` in ``directory`` (by modification time)."""
    if not directory.is_dir():
        return None
    archives = [p for p in directory.iterdir() if p.is_file() and p.name.endswith(ARCHIVE_SUFFIX)]
    if not archives:
        return None
    return max(archives, key=lambda p: (p.stat().st_mtime, p.name))


def resolve_model_path(path: Path) -> Path:
    """Return the archive ``path`` names: itself, or the newest one in it.

    Raises:
        ModelLoadError: Nothing loadable is there.
    """
    if path.is_dir():
        found = latest_archive(path)
        if found is None:
            raise ModelLoadError(f"No model archive (*.tar.gz) found in '{path}'.")
        return found
    if not path.exists():
        raise ModelLoadError(f"No model found at '{path}'.")
    return path
