"""Plain value types for a loaded Rasa project.

These are what ``engine.data`` produces from YAML files and what NLU training
(``engine.nlu``) and dialogue training (``engine.dialogue``) consume. They hold
no behaviour beyond small helpers, so every package can depend on them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class NluExample:
    """One annotated NLU training example.

    Attributes:
        text: The example text with entity markup removed.
        intent: Intent name; a retrieval intent keeps its full name
            (``faq/ask_name``). None for examples without an intent.
        entities: Entity annotations, each a dict with ``start``, ``end``,
            ``value``, ``entity`` and optionally ``role`` and ``group``.
            ``start``/``end`` are character offsets into ``text``.
        metadata: Example metadata merged over the intent's metadata.
    """

    text: str
    intent: str | None = None
    entities: list[dict[str, Any]] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass
class NluData:
    """All NLU training data of a project.

    Attributes:
        examples: Annotated examples in file order.
        synonyms: Surface form (lower-cased) to canonical value, from
            ``synonym:`` blocks and annotations whose value differs from the
            text. Canonical values also map to themselves.
        regexes: ``{"name": str, "pattern": str}`` from ``regex:`` blocks.
        lookups: ``{"name": str, "elements": list[str]}`` from ``lookup:``
            blocks.
        responses: Responses found in NLU files (retrieval intents), merged
            into the domain by the loader.
    """

    examples: list[NluExample] = field(default_factory=list)
    synonyms: dict[str, str] = field(default_factory=dict)
    regexes: list[dict[str, Any]] = field(default_factory=list)
    lookups: list[dict[str, Any]] = field(default_factory=list)
    responses: dict[str, Any] = field(default_factory=dict)

    @property
    def intents(self) -> list[str]:
        """Sorted intent names that have at least one example."""
        return sorted({e.intent for e in self.examples if e.intent})

    @property
    def entity_types(self) -> list[str]:
        """Sorted entity types used in annotations."""
        return sorted({ent["entity"] for e in self.examples for ent in e.entities})


@dataclass
class Story:
    """A story, rule or test story, with normalised steps.

    Each step is one of these dicts (keys exactly as shown):

    * user turn: ``{"user_turn": True, "intent": str | None, "text": str | None,
      "entities": [{"entity": str, "value": Any, "role"?: str, "group"?: str,
      "start"?: int, "end"?: int}]}``. ``text`` is set for ``user:`` steps
      (markup removed, entity offsets into it); ``intent`` may be None for
      end-to-end steps without an intent.
    * ``{"or": [<user turn or slot_was_set step>, ...]}``
    * ``{"action": str}``
    * ``{"bot": str}`` (end-to-end bot text)
    * ``{"slot_was_set": [{"name": str, "value": Any, "has_value": bool}]}``
      (``has_value`` False for the name-only form ``- slot_name``)
    * ``{"active_loop": str | None}``
    * ``{"checkpoint": str, "slot_was_set": [...]?}``

    Attributes:
        name: The story or rule name.
        steps: Normalised steps in order.
        kind: ``"story"``, ``"rule"`` or ``"test"``.
        condition: Rule condition steps (rules only).
        conversation_start: Rule applies only at the conversation start.
        wait_for_user_input: False when the rule ends with ``...``.
        source: File the story came from.
        line: Line of the story in that file (1-based), when known.
    """

    name: str
    steps: list[dict[str, Any]] = field(default_factory=list)
    kind: str = "story"
    condition: list[dict[str, Any]] = field(default_factory=list)
    conversation_start: bool = False
    wait_for_user_input: bool = True
    source: str | None = None
    line: int | None = None


@dataclass
class Project:
    """A loaded Rasa project: configuration, domain and training data.

    Attributes:
        config: The parsed config.yml (``language``, ``pipeline``,
            ``policies``, ``recipe``, ``assistant_id``...). ``pipeline`` and
            ``policies`` may be None (Rasa fills defaults).
        domain: The merged raw domain dict (all domain files plus responses
            from NLU files), in Rasa's YAML layout.
        nlu: NLU training data.
        stories: Training stories.
        rules: Training rules.
        test_stories: Test stories found among the data (``test_*`` files).
        files: Every file read, for fingerprints and error messages.
    """

    config: dict[str, Any] = field(default_factory=dict)
    domain: dict[str, Any] = field(default_factory=dict)
    nlu: NluData = field(default_factory=NluData)
    stories: list[Story] = field(default_factory=list)
    rules: list[Story] = field(default_factory=list)
    test_stories: list[Story] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
