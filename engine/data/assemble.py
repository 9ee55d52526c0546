"""Collect loaded documents into a :class:`~engine.data.types.Project`.

Shared by the file loader and the single-document training payload, so both
classify and merge data the same way.
"""
from __future__ import annotations

from typing import Any

from engine.data.domain_yaml import DOMAIN_KEYS, merge_domains
from engine.data.format_version import accept_format_version
from engine.data.nlu_yaml import merge_nlu, read_nlu_doc
from engine.data.stories_yaml import read_stories_doc
from engine.data.types import NluData, Project, Story


def has_nlu(doc: dict[str, Any]) -> bool:
    """Whether a training data document holds NLU data or NLU responses.

    A file with ``responses`` and other domain keys is a domain file that
    happens to lie among the data; its responses come in through the domain,
    so they are not read twice.
    """
    if "nlu" in doc:
        return True
    return "responses" in doc and not any(k in doc for k in DOMAIN_KEYS if k != "responses")


def has_stories(doc: dict[str, Any]) -> bool:
    """Whether a training data document holds stories or rules."""
    return "stories" in doc or "rules" in doc


class ProjectAssembler:
    """Accumulates training data documents, then builds the project.

    Attributes:
        nlu: NLU data merged so far.
        stories: Training stories so far.
        rules: Training rules so far.
        test_stories: Test stories so far.
        files: Files that contributed, in reading order.
    """

    def __init__(self) -> None:
        self.nlu = NluData()
        self.stories: list[Story] = []
        self.rules: list[Story] = []
        self.test_stories: list[Story] = []
        self.files: list[str] = []

    def add_data_doc(self, doc: Any, *, file: str | None, test: bool = False) -> bool:
        """Read the NLU, stories and rules of one document.

        Args:
            doc: The loaded YAML document.
            file: File name for messages and story sources.
            test: Whether stories of this file are test stories.

        Returns:
            Whether the document held training data (and was not skipped
            for its format version).
        """
        if not isinstance(doc, dict) or not (has_nlu(doc) or has_stories(doc)):
            return False
        if not accept_format_version(doc, file=file):
            return False
        if has_nlu(doc):
            merge_nlu(self.nlu, read_nlu_doc(doc, file=file), file=file)
        if has_stories(doc):
            stories, rules = read_stories_doc(doc, file=file, test=test)
            if test:
                self.test_stories.extend(stories + rules)
            else:
                self.stories.extend(stories)
                self.rules.extend(rules)
        if file is not None and file not in self.files:
            self.files.append(file)
        return True

    def build(self, config: dict[str, Any], domain_parts: list[tuple[dict[str, Any], str | None]]) -> Project:
        """Build the project; NLU-file responses are merged into the domain last."""
        parts = list(domain_parts)
        if self.nlu.responses:
            parts.append(({"responses": dict(self.nlu.responses)}, None))
        return Project(
            config=config,
            domain=merge_domains(parts),
            nlu=self.nlu,
            stories=self.stories,
            rules=self.rules,
            test_stories=self.test_stories,
            files=list(self.files),
        )
