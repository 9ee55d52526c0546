"""Read the ``nlu:`` and ``responses:`` sections of Rasa training data YAML.

``nlu:`` items are ``intent`` (examples as a ``- `` block string or a list
of ``{text, metadata}``), ``synonym``, ``regex`` and ``lookup``. Examples go
through :func:`engine.data.annotations.parse_annotated_text`; an annotated
value that differs from its surface text registers a synonym.
"""
from __future__ import annotations

import logging
import re
from typing import Any, Iterator

from engine.data.annotations import parse_annotated_text
from engine.data.checks import describe, expect, warn, where
from engine.data.types import NluData, NluExample
from engine.data.yaml_io import line_of, to_plain
from engine.errors import DataError

logger = logging.getLogger(__name__)

NLU_ITEM_KEYS = ("intent", "synonym", "regex", "lookup")


def read_nlu_doc(doc: dict[str, Any], *, file: str | None) -> NluData:
    """Build :class:`NluData` from a loaded training data document.

    Args:
        doc: The loaded YAML mapping (``nlu`` and/or ``responses`` keys).
        file: File name for messages.

    Raises:
        DataError: A section or item has the wrong shape, an annotation or a
            regex is invalid.
    """
    data = NluData()
    items = expect(doc.get("nlu"), list, "'nlu'", file=file, parent=doc, key="nlu", allow_none=True)
    for index, item in enumerate(items or []):
        expect(item, dict, "an 'nlu' item", file=file, parent=items, key=index)
        kind = next((k for k in NLU_ITEM_KEYS if k in item), None)
        if kind is None:
            warn(
                logger,
                f"an 'nlu' item has none of the keys {', '.join(NLU_ITEM_KEYS)}; it is skipped",
                file=file,
                line=where(item),
            )
            continue
        name = _item_name(item, kind, file)
        if kind == "intent":
            _read_intent(data, item, name, file)
        elif kind == "synonym":
            for text, _ in _examples(item, file):
                add_synonym(data.synonyms, text, name, file=file, line=where(item))
            add_canonical(data.synonyms, name)
        elif kind == "regex":
            for pattern, line in _examples(item, file):
                _check_regex(pattern, name, file, line)
                data.regexes.append({"name": name, "pattern": pattern})
        else:
            elements = [text for text, _ in _examples(item, file)]
            data.lookups.append({"name": name, "elements": elements})
    responses = expect(
        doc.get("responses"), dict, "'responses'", file=file, parent=doc, key="responses", allow_none=True
    )
    for name, variations in (responses or {}).items():
        expect(variations, list, f"response '{name}'", file=file, parent=responses, key=name)
        data.responses[str(name)] = to_plain(variations)
    return data


def merge_nlu(target: NluData, other: NluData, *, file: str | None = None) -> None:
    """Add ``other`` to ``target`` in place (files are read one by one)."""
    target.examples.extend(other.examples)
    for surface, value in other.synonyms.items():
        if value.lower() == surface:
            add_canonical(target.synonyms, value)
        else:
            add_synonym(target.synonyms, surface, value, file=file)
    for regex in other.regexes:
        if regex not in target.regexes:
            target.regexes.append(regex)
    for lookup in other.lookups:
        existing = next((lk for lk in target.lookups if lk["name"] == lookup["name"]), None)
        if existing is None:
            target.lookups.append({"name": lookup["name"], "elements": list(lookup["elements"])})
        else:
            existing["elements"].extend(e for e in lookup["elements"] if e not in existing["elements"])
    for name, variations in other.responses.items():
        if name in target.responses and target.responses[name] != variations:
            warn(logger, f"response '{name}' is defined more than once; the first one is kept", file=file)
            continue
        target.responses.setdefault(name, variations)


def add_synonym(
    synonyms: dict[str, str], surface: str, value: Any, *, file: str | None = None, line: int | None = None
) -> None:
    """Map the lower-cased ``surface`` to ``value``, warning on a conflict."""
    if isinstance(value, (dict, list)) or value is None:
        return  # structured values cannot be looked up by text
    value = str(value)
    key = str(surface).lower()
    old = synonyms.get(key)
    # An entry mapping a text to itself is only a canonical value, not a conflict.
    if old is not None and old != value and old.lower() != key:
        warn(
            logger,
            f"'{surface}' is a synonym of both '{old}' and '{value}'; '{value}' is used",
            file=file,
            line=line,
        )
    synonyms[key] = value
    add_canonical(synonyms, value)


def add_canonical(synonyms: dict[str, str], value: Any) -> None:
    """Map a canonical value to itself unless that text is already mapped."""
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        synonyms.setdefault(str(value).lower(), str(value))


def _item_name(item: dict[str, Any], kind: str, file: str | None) -> str:
    name = item.get(kind)
    if isinstance(name, (int, float)) and not isinstance(name, bool):
        name = str(name)
    if not isinstance(name, str) or not name.strip():
        raise DataError(
            f"'{kind}' needs a name, found {describe(name)}", file=file, line=line_of(item, kind)
        )
    return name.strip()


def _read_intent(data: NluData, item: dict[str, Any], intent: str, file: str | None) -> None:
    intent_meta = expect(
        item.get("metadata"), dict, "intent 'metadata'", file=file, parent=item, key="metadata", allow_none=True
    )
    found = False
    for text, line, example_meta in _intent_examples(item, file):
        found = True
        try:
            plain, entities = parse_annotated_text(text)
        except DataError as ex:
            raise DataError(ex.problem, file=file, line=line) from None
        for entity in entities:
            surface = plain[entity["start"] : entity["end"]]
            if entity["value"] != surface:
                add_synonym(data.synonyms, surface, entity["value"], file=file, line=line)
        metadata = {**to_plain(intent_meta or {}), **to_plain(example_meta or {})}
        data.examples.append(NluExample(text=plain, intent=intent, entities=to_plain(entities), metadata=metadata))
    if not found:
        warn(logger, f"intent '{intent}' has no examples", file=file, line=where(item))


def _intent_examples(item: dict[str, Any], file: str | None) -> Iterator[tuple[str, int | None, Any]]:
    examples = item.get("examples")
    if not isinstance(examples, list):
        for text, line in _examples(item, file):
            yield text, line, None
        return
    for index, example in enumerate(examples):
        line = line_of(examples, index)
        if isinstance(example, dict):
            text = example.get("text")
            meta = expect(
                example.get("metadata"), dict, "example 'metadata'",
                file=file, parent=example, key="metadata", allow_none=True,
            )
        else:
            text, meta = example, None
        text = _scalar_text(text, "an example", file, line)
        if text:
            yield text, line, meta


def _examples(item: dict[str, Any], file: str | None) -> Iterator[tuple[str, int | None]]:
    """Yield (text, line) of the block-string or list ``examples`` of an item."""
    examples = expect(
        item.get("examples"), (str, list), "'examples'", file=file, parent=item, key="examples", allow_none=True
    )
    if examples is None:
        return
    if isinstance(examples, list):
        for index, example in enumerate(examples):
            text = _scalar_text(example, "an example", file, line_of(examples, index))
            if text:
                yield text, line_of(examples, index)
        return
    key_line = line_of(item, "examples")
    for offset, raw in enumerate(examples.splitlines()):
        # A block scalar starts on the line after its key.
        line = key_line + 1 + offset if key_line else None
        stripped = raw.strip()
        if not stripped:
            continue
        if not stripped.startswith("-"):
            warn(logger, f"example line does not start with '- ' and is skipped: {stripped!r}", file=file, line=line)
            continue
        text = stripped[1:].strip()
        if text:
            yield text, line


def _scalar_text(value: Any, what: str, file: str | None, line: int | None) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str):
        raise DataError(f"{what} must be a string, found {describe(value)}", file=file, line=line)
    return value.strip()


def _check_regex(pattern: str, name: str, file: str | None, line: int | None) -> None:
    try:
        re.compile(pattern)
    except re.error as ex:
        raise DataError(f"regex '{name}' has an invalid pattern {pattern!r}: {ex}", file=file, line=line) from None
