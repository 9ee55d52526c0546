"""Read the ``stories:`` and ``rules:`` sections of Rasa training data YAML."""
from __future__ import annotations

import logging
from pathlib import PurePath
from typing import Any

from engine.data.checks import describe, expect, warn, where
from engine.data.story_steps import StepReader
from engine.data.types import Story
from engine.data.yaml_io import line_of
from engine.errors import DataError

logger = logging.getLogger(__name__)

#: Files whose name starts with this hold test stories.
TEST_FILE_PREFIX = "test_"
#: Rasa's default folder for test stories.
TEST_DIR_NAME = "tests"


def is_test_file(path: str | PurePath, *, inside: tuple[str, ...] = ()) -> bool:
    """Whether ``path`` holds test stories: ``test_*`` name or a ``tests`` folder.

    Args:
        path: The file.
        inside: Folder names between the data root the user passed and the
            file (including the root's own name); only these are looked at,
            so a project that itself lives under some ``tests`` folder is
            not taken for test data.
    """
    return PurePath(path).name.startswith(TEST_FILE_PREFIX) or TEST_DIR_NAME in inside


def read_stories_doc(doc: dict[str, Any], *, file: str | None, test: bool = False) -> tuple[list[Story], list[Story]]:
    """Read stories and rules from a loaded training data document.

    Args:
        doc: The loaded YAML mapping.
        file: File name for messages and ``Story.source``.
        test: Whether the file holds test stories; its stories then get
            ``kind="test"`` (rules from a test file too, flags kept).

    Returns:
        ``(stories, rules)``.

    Raises:
        DataError: A section, story or step has the wrong shape.
    """
    steps = StepReader(file=file, test=test)
    stories = [
        _story(item, steps, kind="test" if test else "story", file=file)
        for item in _items(doc, "stories", file)
    ]
    rules = [
        _rule(item, steps, kind="test" if test else "rule", file=file)
        for item in _items(doc, "rules", file)
    ]
    return [s for s in stories if s is not None], [r for r in rules if r is not None]


def _items(doc: dict[str, Any], key: str, file: str | None) -> list[tuple[Any, Any, int]]:
    items = expect(doc.get(key), list, f"'{key}'", file=file, parent=doc, key=key, allow_none=True)
    return [(item, items, index) for index, item in enumerate(items or [])]


def _header(entry: tuple[Any, Any, int], title: str, file: str | None) -> tuple[dict[str, Any], str]:
    item, parent, index = entry
    expect(item, dict, f"a {title}", file=file, parent=parent, key=index)
    name = item.get(title)
    if isinstance(name, (int, float)) and not isinstance(name, bool):
        name = str(name)
    if name is None or (isinstance(name, str) and not name.strip()):
        # Rasa only warns about a missing name and keeps the item.
        warn(logger, f"a {title} has no name under its '{title}:' key", file=file, line=where(item))
        return item, ""
    if not isinstance(name, str):
        raise DataError(f"'{title}' needs a name, found {describe(name)}", file=file, line=line_of(item, title))
    return item, name.strip()


def _story(entry: tuple[Any, Any, int], steps: StepReader, *, kind: str, file: str | None) -> Story | None:
    item, name = _header(entry, "story", file)
    normalised = steps.steps(item.get("steps"), f"'steps' of story '{name}'", parent=item, key="steps")
    if not normalised:
        warn(logger, f"story '{name}' has no steps; it is skipped", file=file, line=where(item))
        return None
    return Story(name=name, steps=normalised, kind=kind, source=file, line=where(item))


def _rule(entry: tuple[Any, Any, int], steps: StepReader, *, kind: str, file: str | None) -> Story | None:
    item, name = _header(entry, "rule", file)
    normalised = steps.steps(item.get("steps"), f"'steps' of rule '{name}'", parent=item, key="steps")
    if not normalised:
        warn(logger, f"rule '{name}' has no steps; it is skipped", file=file, line=where(item))
        return None
    condition = []
    for step in steps.steps(item.get("condition"), f"'condition' of rule '{name}'", parent=item, key="condition"):
        if "active_loop" in step or ("slot_was_set" in step and "checkpoint" not in step):
            condition.append(step)
        else:
            warn(logger, f"rule '{name}' has a condition that is not 'active_loop' or 'slot_was_set'; "
                 "it is ignored", file=file, line=line_of(item, "condition"))
    return Story(
        name=name,
        steps=normalised,
        kind=kind,
        condition=condition,
        conversation_start=_flag(item, "conversation_start", False, file),
        wait_for_user_input=_flag(item, "wait_for_user_input", True, file),
        source=file,
        line=where(item),
    )


def _flag(item: dict[str, Any], key: str, default: bool, file: str | None) -> bool:
    value = item.get(key)
    if value is None:
        return default
    return expect(value, bool, f"'{key}'", file=file, parent=item, key=key)
