"""RegexEntityExtractor: entities from regexes and lookup tables named like entity types."""
from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any, Sequence

from engine.data.types import NluData
from engine.nlu.component import Component, Message, config_error
from engine.nlu.patterns import collect_patterns, compile_patterns

logger = logging.getLogger(__name__)


class RegexEntityExtractor(Component):
    """Every match of an entity-named pattern becomes an entity.

    Only ``regex:`` and ``lookup:`` blocks whose name is an entity type used
    in the training annotations are kept. The entity value is the matched
    text; ``extractor`` is ``RegexEntityExtractor``.

    Config (Rasa's defaults):
        case_sensitive: False.
        use_lookup_tables / use_regexes / use_word_boundaries: True.
    """

    provides = frozenset({"entities"})
    learned_attributes = ("patterns_",)

    @classmethod
    def get_default_config(cls) -> dict[str, Any]:
        """Return Rasa's defaults."""
        return {
            "case_sensitive": False,
            "use_lookup_tables": True,
            "use_regexes": True,
            "use_word_boundaries": True,
        }

    def validate_config(self) -> None:
        """Check that the options are booleans."""
        for key in ("case_sensitive", "use_lookup_tables", "use_regexes", "use_word_boundaries"):
            if not isinstance(self.config[key], bool):
                raise config_error(type(self).__name__, f"{key} must be true or false.")

    def fit(self, messages: Sequence[Message], data: NluData | None = None) -> RegexEntityExtractor:
        """Collect the entity-named patterns of the training data."""
        self.validate_config()
        self.patterns_ = collect_patterns(
            data or NluData(),
            use_regexes=self.config["use_regexes"],
            use_lookup_tables=self.config["use_lookup_tables"],
            use_word_boundaries=self.config["use_word_boundaries"],
            only_entities=True,
        )
        if not self.patterns_:
            logger.warning(
                "RegexEntityExtractor: no regex or lookup table is named like an entity type "
                "of the training data, so it will extract nothing."
            )
        self.__dict__.pop("_compiled_cache", None)  # patterns of the previous fit
        return self

    def _compiled(self) -> list[tuple[str, re.Pattern[str]]]:
        cached = getattr(self, "_compiled_cache", None)
        if cached is None:
            cached = self._compiled_cache = compile_patterns(self.patterns_, self.config["case_sensitive"])
        return cached

    def extract(self, text: str) -> list[dict[str, Any]]:
        """Return the entities found in ``text``."""
        self.check_fitted()
        entities: list[dict[str, Any]] = []
        for name, pattern in self._compiled():
            for match in pattern.finditer(text):
                start, end = match.span()
                if end > start:
                    entities.append(
                        {
                            "entity": name,
                            "start": start,
                            "end": end,
                            "value": text[start:end],
                            "extractor": type(self).__name__,
                        }
                    )
        return entities

    def process(self, message: Message) -> None:
        """Append the extracted entities to the message."""
        message.entities.extend(self.extract(message.text))

    def _persist_state(self, directory: Path) -> dict[str, Any]:
        return {"patterns": self.patterns_}

    def _load_state(self, state: dict[str, Any], directory: Path) -> None:
        self.patterns_ = [{"name": p["name"], "pattern": p["pattern"]} for p in state["patterns"]]
