"""Read and merge Rasa domain files (formats 2.0, 3.0 and 3.1).

The result is the merged *raw* domain dict in Rasa's YAML layout: nothing is
rewritten except the 2.0-era ``templates:`` key, which becomes
``responses:``. 2.x details (slot ``auto_fill``, forms with
``required_slots`` mappings) are kept as written; the dialogue package builds
its Domain object from this dict.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Iterable

from engine.data.checks import describe, expect, warn, where
from engine.data.files import yaml_files_in
from engine.data.format_version import accept_format_version
from engine.data.yaml_io import line_of, read_yaml_file, select_keys, to_plain
from engine.errors import DataError

logger = logging.getLogger(__name__)

#: Keys that make a YAML file a domain file (Rasa's rule).
DOMAIN_KEYS = ("intents", "entities", "slots", "responses", "actions", "forms", "e2e_actions", "session_config")
#: Every top-level key a domain may have, in output order.
DOMAIN_LAYOUT = ("version", "config", "intents", "entities", "slots", "responses", "actions", "forms",
                 "e2e_actions", "session_config")
_DATA_KEYS = ("nlu", "stories", "rules")
_DEFAULT_SESSION = {"session_expiration_time": 60, "carry_over_slots_to_new_session": True}


def is_domain_doc(doc: Any) -> bool:
    """Whether a loaded YAML document is a domain (has any domain key)."""
    return isinstance(doc, dict) and any(key in doc for key in DOMAIN_KEYS)


def read_domain_path(path: str | Path) -> tuple[dict[str, Any], list[str]]:
    """Read a domain file or a directory of domain files and merge them.

    In a directory, ``.yml``/``.yaml`` files are read recursively in sorted
    order and files without domain keys are ignored, as Rasa does.

    Returns:
        The merged raw domain dict and the files it came from.

    Raises:
        DataError: A file is invalid YAML or has a wrong shape.
    """
    path = Path(path)
    parts: list[tuple[dict[str, Any], str]] = []
    if path.is_dir():
        for file in yaml_files_in(path):
            doc = read_yaml_file(file)
            if is_domain_doc(doc) and accept_format_version(doc, file=str(file)):
                parts.append((check_domain_doc(doc, file=str(file)), str(file)))
    else:
        doc = read_yaml_file(path)
        expect(doc, dict, "the domain", file=str(path))
        if accept_format_version(doc, file=str(path)):
            parts.append((check_domain_doc(doc, file=str(path)), str(path)))
    return merge_domains(parts), [file for _, file in parts]


def check_domain_doc(doc: dict[str, Any], *, file: str | None, strict_keys: bool = True) -> dict[str, Any]:
    """Check the shape of one domain document and return it as plain values.

    Args:
        doc: The loaded YAML mapping.
        file: File name for messages.
        strict_keys: Warn about keys that are neither domain nor data keys.

    Raises:
        DataError: A section has the wrong type, an intent is written as
            ``- name:`` with nothing after the colon, a slot has no type...
    """
    doc = select_keys(doc, set(doc))  # a copy that keeps line marks
    if "templates" in doc:
        warn(logger, "'templates' is the old name of 'responses'; read as 'responses'", file=file,
             line=line_of(doc, "templates"))
        templates = doc.pop("templates")
        if "responses" not in doc:
            doc["responses"] = templates
            doc.key_lines["responses"] = doc.key_lines.get("templates", 0)
    if strict_keys:
        for key in doc:
            if key not in DOMAIN_LAYOUT and key not in _DATA_KEYS:
                warn(logger, f"unknown domain key '{key}' is ignored", file=file, line=line_of(doc, key))
    for key in ("intents", "entities", "actions"):
        _check_named_list(doc, key, file)
    for key in ("slots", "responses", "forms", "session_config", "config"):
        expect(doc.get(key), dict, f"'{key}'", file=file, parent=doc, key=key, allow_none=True)
    for name, slot in (doc.get("slots") or {}).items():
        expect(slot, dict, f"slot '{name}'", file=file, parent=doc["slots"], key=name)
        if not isinstance(slot.get("type"), str):
            raise DataError(f"slot '{name}' needs a 'type' such as text, bool, categorical, float, list or any",
                            file=file, line=where(slot))
    for name, variations in (doc.get("responses") or {}).items():
        expect(variations, list, f"response '{name}'", file=file, parent=doc["responses"], key=name)
        for index, variation in enumerate(variations):
            expect(variation, dict, f"a variation of response '{name}'", file=file, parent=variations, key=index)
    for name, form in (doc.get("forms") or {}).items():
        expect(form, dict, f"form '{name}'", file=file, parent=doc["forms"], key=name, allow_none=True)
    e2e = expect(doc.get("e2e_actions"), list, "'e2e_actions'", file=file, parent=doc, key="e2e_actions",
                 allow_none=True)
    for index, text in enumerate(e2e or []):
        expect(text, str, "an item of 'e2e_actions'", file=file, parent=e2e, key=index)
    return {key: to_plain(doc[key]) for key in DOMAIN_LAYOUT if key in doc}


def _check_named_list(doc: dict[str, Any], key: str, file: str | None) -> None:
    items = expect(doc.get(key), list, f"'{key}'", file=file, parent=doc, key=key, allow_none=True)
    singular = key[:-1]
    for index, item in enumerate(items or []):
        if isinstance(item, str):
            continue
        line = where(item, items, index)
        if not isinstance(item, dict) or len(item) != 1:
            raise DataError(f"an item of '{key}' must be a name or a mapping with one name, found {describe(item)}",
                            file=file, line=line)
        name, properties = next(iter(item.items()))
        if properties is None and key == "intents":
            raise DataError(f"intent '{name}' has nothing after its colon; write '- {name}' or give properties",
                            file=file, line=line)
        expect(properties, dict, f"the properties of {singular} '{name}'", file=file, parent=item, key=name,
               allow_none=True)


def item_name(item: Any) -> str:
    """Name of an ``intents``/``entities``/``actions`` item (str or one-key dict)."""
    if isinstance(item, dict):
        return str(next(iter(item)))
    return str(item)


def merge_domains(parts: Iterable[tuple[dict[str, Any], str | None]]) -> dict[str, Any]:
    """Merge checked domain dicts; earlier parts win on conflicts.

    Lists are deduplicated by name, mappings merged key by key (duplicates
    with a different definition are warned about), the first non-default
    ``session_config`` wins and ``version`` comes from the first part that
    has one.
    """
    merged: dict[str, Any] = {}
    for domain, file in parts:
        for key, value in domain.items():
            if value is None:
                continue
            if key == "version":
                merged.setdefault("version", value)
            elif key == "session_config":
                if "session_config" not in merged or (merged["session_config"] == _DEFAULT_SESSION != value):
                    merged["session_config"] = value
            elif key in ("intents", "entities", "actions", "e2e_actions"):
                _merge_list(merged.setdefault(key, []), value, key, file)
            else:
                _merge_dict(merged.setdefault(key, {}), value, key, file)
    return {key: merged[key] for key in DOMAIN_LAYOUT if key in merged}


def _merge_list(target: list[Any], items: list[Any], key: str, file: str | None) -> None:
    seen = {item_name(item): item for item in target}
    for item in items:
        name = item_name(item)
        if name in seen:
            if seen[name] != item:
                warn(logger, f"'{name}' is listed more than once in '{key}' with different properties; "
                     "the first one is kept", file=file)
            continue
        seen[name] = item
        target.append(item)


def _merge_dict(target: dict[str, Any], items: dict[str, Any], key: str, file: str | None) -> None:
    for name, value in items.items():
        if name in target:
            if target[name] != value:
                warn(logger, f"'{name}' is defined more than once in '{key}'; the first one is kept", file=file)
            continue
        target[name] = value
