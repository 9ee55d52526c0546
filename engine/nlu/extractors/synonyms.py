"""EntitySynonymMapper: replace entity values by their canonical synonym."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

from engine.data.types import NluData
from engine.nlu.component import Component, Message

PROCESSOR_NAME = "EntitySynonymMapper"


class EntitySynonymMapper(Component):
    """Map entity values through the synonym table, case-insensitively.

    The table comes from ``synonym:`` blocks and from annotations whose value
    differs from their text (``NluData.synonyms``, plus the training entity
    annotations themselves). A value whose lower-cased string is in the
    table is replaced, and ``EntitySynonymMapper`` is appended to the
    entity's ``processors``.
    """

    provides = frozenset({"entities"})
    learned_attributes = ("synonyms_",)

    def fit(self, messages: Sequence[Message], data: NluData | None = None) -> EntitySynonymMapper:
        """Build the lower-cased synonym table."""
        synonyms: dict[str, str] = {}
        for surface, canonical in (data.synonyms if data else {}).items():
            synonyms[str(surface).lower()] = canonical
        for message in messages:
            for entity in message.target_entities:
                value = entity.get("value")
                start, end = entity.get("start"), entity.get("end")
                if value is None or start is None or end is None:
                    continue
                surface = message.text[start:end]
                if str(value) != surface:
                    synonyms.setdefault(surface.lower(), value)
        self.synonyms_ = synonyms
        return self

    def process(self, message: Message) -> None:
        """Replace synonym values in ``message.entities``."""
        self.check_fitted()
        if not self.synonyms_:
            return
        for entity in message.entities:
            key = str(entity.get("value")).lower()
            if key in self.synonyms_:
                entity["value"] = self.synonyms_[key]
                entity["processors"] = [*entity.get("processors", []), PROCESSOR_NAME]

    def _persist_state(self, directory: Path) -> dict[str, Any]:
        return {"synonyms": self.synonyms_}

    def _load_state(self, state: dict[str, Any], directory: Path) -> None:
        self.synonyms_ = {str(k): v for k, v in state["synonyms"].items()}
