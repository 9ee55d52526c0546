"""KeywordIntentClassifier: an intent when a training example occurs in the text."""
from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any, Sequence

from engine.data.types import NluData
from engine.nlu.component import Component, Message, config_error

logger = logging.getLogger(__name__)


class KeywordIntentClassifier(Component):
    """Match training example texts as whole-word substrings of the message.

    The first keyword (in training order) found in the text decides the
    intent, with confidence 1.0; if none matches and no earlier classifier
    predicted an intent, the intent is ``{name: None, confidence: 0.0}``.
    A keyword listed under two intents is ambiguous and dropped, with a
    warning, as in Rasa.

    Config:
        case_sensitive: Match case-sensitively (True, Rasa's default).
    """

    provides = frozenset({"intent"})
    learned_attributes = ("keywords_",)

    @classmethod
    def get_default_config(cls) -> dict[str, Any]:
        """Return Rasa's defaults."""
        return {"case_sensitive": True}

    def validate_config(self) -> None:
        """Check ``case_sensitive`` is a boolean."""
        if not isinstance(self.config["case_sensitive"], bool):
            raise config_error(type(self).__name__, "case_sensitive must be true or false.")

    def fit(self, messages: Sequence[Message], data: NluData | None = None) -> KeywordIntentClassifier:
        """Map each example text to its intent; drop keywords of several intents."""
        self.validate_config()
        keywords: dict[str, str] = {}
        ambiguous: set[str] = set()
        for message in messages:
            keyword, intent = message.text, message.target_intent
            if not intent or not keyword.strip():
                continue
            if keyword in keywords and keywords[keyword] != intent:
                ambiguous.add(keyword)
            keywords.setdefault(keyword, intent)
        for keyword in ambiguous:
            logger.warning(
                "KeywordIntentClassifier: the keyword %r is an example of several intents; it is ignored.",
                keyword,
            )
            del keywords[keyword]
        self.keywords_ = keywords
        self.__dict__.pop("_compiled", None)  # patterns of the previous fit
        return self

    def _patterns(self) -> list[tuple[re.Pattern[str], str]]:
        cached = getattr(self, "_compiled", None)
        if cached is None:
            flags = 0 if self.config["case_sensitive"] else re.IGNORECASE
            cached = [
                (re.compile(r"\b" + re.escape(keyword) + r"\b", flags), intent)
                for keyword, intent in self.keywords_.items()
            ]
            self._compiled = cached
        return cached

    def process(self, message: Message) -> None:
        """Set the intent of the first matching keyword."""
        self.check_fitted()
        for pattern, intent in self._patterns():
            if pattern.search(message.text):
                message.intent = {"name": intent, "confidence": 1.0}
                message.intent_ranking = [{"name": intent, "confidence": 1.0}]
                return
        if message.intent is None:
            message.intent = {"name": None, "confidence": 0.0}

    def _persist_state(self, directory: Path) -> dict[str, Any]:
        return {"keywords": [[k, v] for k, v in self.keywords_.items()]}

    def _load_state(self, state: dict[str, Any], directory: Path) -> None:
        self.keywords_ = {str(k): str(v) for k, v in state["keywords"]}
