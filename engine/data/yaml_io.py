"""Read YAML files and text into Python values, with clear errors.

Every problem becomes :class:`engine.errors.DataError` naming the file, the
1-based line and what is wrong. Loaded mappings and sequences are
:class:`~engine.data.yaml_loader.LineDict` / ``LineList`` so later checks can
point at a line too; :func:`to_plain` turns them back into plain values
before anything leaves ``engine.data``.
"""
from __future__ import annotations

import datetime as _dt
from pathlib import Path
from typing import Any

import yaml

from engine.data.yaml_loader import ExpansionError, LineDict, LineList, load_marked
from engine.errors import DataError

#: Largest YAML file accepted, in bytes.
MAX_FILE_BYTES = 32 * 1024 * 1024

YAML_SUFFIXES = (".yml", ".yaml")


def is_yaml_path(path: str | Path) -> bool:
    """Whether ``path`` has a YAML file extension."""
    return str(path).lower().endswith(YAML_SUFFIXES)


def read_yaml_text(text: str, *, file: str | None = None) -> Any:
    """Parse one YAML document; an empty document gives ``{}``.

    Args:
        text: The YAML source.
        file: Name used in error messages.

    Raises:
        DataError: The text is not valid YAML, uses unsafe tags, has
            duplicate keys, or expands (through aliases) beyond the limits.
    """
    if len(text) > MAX_FILE_BYTES:
        raise DataError(f"the document is larger than {MAX_FILE_BYTES} bytes", file=file)
    try:
        data = load_marked(text)
    except yaml.MarkedYAMLError as ex:
        raise _marked_error(ex, file) from None
    except yaml.YAMLError as ex:
        raise DataError(f"invalid YAML: {ex}", file=file) from None
    except RecursionError:
        raise DataError("invalid YAML: the document is nested too deeply", file=file) from None
    return {} if data is None else data


def read_yaml_file(path: str | Path) -> Any:
    """Read and parse the YAML file at ``path`` (UTF-8, BOM allowed).

    Raises:
        DataError: The file is missing, unreadable, not UTF-8 or invalid.
    """
    name = str(path)
    try:
        size = Path(path).stat().st_size
        if size > MAX_FILE_BYTES:
            raise DataError(f"the file is larger than {MAX_FILE_BYTES} bytes", file=name)
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise DataError("file not found", file=name) from None
    except IsADirectoryError:
        raise DataError("expected a file but found a directory", file=name) from None
    except OSError as ex:
        raise DataError(f"cannot read the file: {ex.strerror or ex}", file=name) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as ex:
        line = raw[: ex.start].count(b"\n") + 1
        raise DataError("the file is not valid UTF-8 text", file=name, line=line) from None
    return read_yaml_text(text, file=name)


def _marked_error(ex: yaml.MarkedYAMLError, file: str | None) -> DataError:
    mark = ex.problem_mark or ex.context_mark
    parts = [p for p in (ex.context, ex.problem) if p]
    problem = ", ".join(parts) or "invalid YAML"
    if not isinstance(ex, ExpansionError):
        problem = f"invalid YAML: {problem}"
    if mark is not None:
        problem += f" (column {mark.column + 1})"
        return DataError(problem, file=file, line=mark.line + 1)
    return DataError(problem, file=file)


def line_of(container: Any, key: Any = None) -> int | None:
    """Return the 1-based line of ``container`` or of one of its entries.

    Args:
        container: A value loaded by :func:`read_yaml_text`.
        key: A mapping key or sequence index inside ``container``; when
            given, the entry's own line is preferred.
    """
    if key is not None:
        if isinstance(container, LineDict):
            value = container.get(key)
            own = getattr(value, "line", None)
            return own or container.key_lines.get(key) or container.line
        if isinstance(container, LineList) and isinstance(key, int):
            if 0 <= key < len(container.item_lines):
                return container.item_lines[key]
            return container.line
    return getattr(container, "line", None)


def select_keys(doc: dict[Any, Any], keys: Any) -> LineDict:
    """Return the entries of ``doc`` whose key is in ``keys``, keeping line marks."""
    part = LineDict((k, v) for k, v in doc.items() if k in keys)
    part.line = getattr(doc, "line", None)
    part.key_lines = {k: n for k, n in getattr(doc, "key_lines", {}).items() if k in part}
    return part


def to_plain(value: Any) -> Any:
    """Deep-copy a loaded value into plain dicts, lists and scalars.

    Dates and times become ISO strings so every result is JSON-friendly.
    """
    if isinstance(value, dict):
        return {k if isinstance(k, (str, int, float, bool)) or k is None else str(k): to_plain(v)
                for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_plain(v) for v in value]
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value
