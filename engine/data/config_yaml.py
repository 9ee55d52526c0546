"""Read a Rasa ``config.yml`` (language, pipeline, policies, recipe...)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from engine.data.checks import describe, expect
from engine.data.yaml_io import line_of, read_yaml_file, to_plain
from engine.errors import DataError

#: Keys always present in a loaded config (None when the file omits them).
CONFIG_KEYS = ("recipe", "language", "pipeline", "policies", "assistant_id", "importers")


def read_config_file(path: str | Path) -> dict[str, Any]:
    """Read and check the config file at ``path``.

    Raises:
        DataError: The file is missing, not YAML, or has the wrong shape.
    """
    file = str(path)
    return read_config_doc(read_yaml_file(path), file=file)


def read_config_doc(doc: Any, *, file: str | None) -> dict[str, Any]:
    """Check a loaded config document and return it as plain values.

    Every key of the document is kept; the keys of :data:`CONFIG_KEYS` are
    always present. ``pipeline`` and ``policies`` stay None when missing,
    null or empty: Rasa fills its defaults in all three cases, so training
    needs to tell only "given" from "not given".

    Raises:
        DataError: The document is not a mapping, ``pipeline``/``policies``
            are not lists of ``{name: ...}`` mappings, or ``language``,
            ``recipe`` or ``assistant_id`` are not strings.
    """
    expect(doc, dict, "the config", file=file)
    for key in ("language", "recipe", "assistant_id"):
        expect(doc.get(key), str, f"'{key}'", file=file, parent=doc, key=key, allow_none=True)
    for key in ("pipeline", "policies"):
        _check_components(doc, key, file)
    expect(doc.get("importers"), list, "'importers'", file=file, parent=doc, key="importers", allow_none=True)
    config = to_plain(doc)
    for key in CONFIG_KEYS:
        config.setdefault(key, None)
    for key in ("pipeline", "policies"):
        if not config[key]:
            config[key] = None
    return config


def _check_components(doc: dict[str, Any], key: str, file: str | None) -> None:
    components = doc.get(key)
    if isinstance(components, str):
        raise DataError(
            f"'{key}' must be a list of components such as '- name: WhitespaceTokenizer'; "
            f"named templates like {components!r} are not supported (they were removed in Rasa 2.0)",
            file=file,
            line=line_of(doc, key),
        )
    expect(components, list, f"'{key}'", file=file, parent=doc, key=key, allow_none=True)
    for index, component in enumerate(components or []):
        expect(component, dict, f"an item of '{key}'", file=file, parent=components, key=index)
        name = component.get("name")
        if not isinstance(name, str) or not name.strip():
            raise DataError(
                f"an item of '{key}' needs a 'name', found {describe(name)}",
                file=file,
                line=line_of(components, index),
            )
