"""Regex patterns from ``regex:`` and ``lookup:`` training data blocks.

Shared by ``RegexFeaturizer`` (all patterns) and ``RegexEntityExtractor``
(only patterns named like an entity type). A lookup table becomes one
alternation of its escaped elements, each wrapped in ``\\b`` when word
boundaries are on; regexes are used as written.
"""
from __future__ import annotations

import logging
import re
from typing import Any, Iterable

from engine.data.types import NluData
from engine.errors import DataError

logger = logging.getLogger(__name__)


def lookup_pattern(elements: Iterable[Any], use_word_boundaries: bool) -> str | None:
    """Build one alternation regex from lookup table ``elements`` (None if empty)."""
    escaped = []
    for element in elements:
        text = str(element).strip()
        if text:
            escaped.append(rf"\b{re.escape(text)}\b" if use_word_boundaries else re.escape(text))
    if not escaped:
        return None
    # Longest first, so "new york city" wins over "new york" at the same start.
    escaped.sort(key=len, reverse=True)
    return "(" + "|".join(escaped) + ")"


def collect_patterns(
    data: NluData,
    *,
    use_regexes: bool = True,
    use_lookup_tables: bool = True,
    use_word_boundaries: bool = True,
    only_entities: bool = False,
) -> list[dict[str, str]]:
    """Return ``[{"name", "pattern"}]`` from the regex and lookup blocks of ``data``.

    Args:
        data: NLU training data.
        use_regexes: Include ``regex:`` blocks.
        use_lookup_tables: Include ``lookup:`` blocks.
        use_word_boundaries: Wrap lookup elements in ``\\b``.
        only_entities: Keep only patterns named like an annotated entity type.

    Raises:
        DataError: A regex does not compile.
    """
    entity_types = set(data.entity_types) if only_entities else None
    patterns: list[dict[str, str]] = []
    if use_regexes:
        for block in data.regexes:
            name, pattern = str(block.get("name", "")), block.get("pattern")
            if not pattern or (entity_types is not None and name not in entity_types):
                continue
            try:
                re.compile(pattern)
            except re.error as ex:
                raise DataError(f"The regex {name!r} ({pattern!r}) is not a valid regular expression: {ex}")
            patterns.append({"name": name, "pattern": str(pattern)})
    if use_lookup_tables:
        for block in data.lookups:
            name = str(block.get("name", ""))
            if entity_types is not None and name not in entity_types:
                continue
            pattern = lookup_pattern(block.get("elements") or [], use_word_boundaries)
            if pattern:
                patterns.append({"name": name, "pattern": pattern})
    return patterns


def compile_patterns(patterns: list[dict[str, str]], case_sensitive: bool) -> list[tuple[str, re.Pattern[str]]]:
    """Compile ``patterns`` once (IGNORECASE unless ``case_sensitive``)."""
    flags = 0 if case_sensitive else re.IGNORECASE
    return [(p["name"], re.compile(p["pattern"], flags)) for p in patterns]
