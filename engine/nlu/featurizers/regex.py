"""RegexFeaturizer: binary features for regex and lookup-table matches."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Sequence

from engine.data.types import NluData
from engine.nlu.component import Component, FeatureBlock, Message, config_error
from engine.nlu.patterns import collect_patterns, compile_patterns


class RegexFeaturizer(Component):
    """One binary feature per ``regex:``/``lookup:`` pattern.

    The sentence feature of a pattern is 1 when it matches somewhere in the
    text; per token, the names of the patterns whose matches overlap it go to
    ``message.token_patterns`` (the CRF's ``pattern`` feature).

    Config (Rasa's defaults):
        case_sensitive: Match case-sensitively (True).
        use_lookup_tables: Use ``lookup:`` blocks (True).
        use_regexes: Use ``regex:`` blocks (True).
        use_word_boundaries: Wrap lookup elements in ``\\b`` (True).
        alias: Name of the feature block (defaults to the class name).
    """

    provides = frozenset({"features", "token_patterns"})
    requires = frozenset({"tokens"})
    learned_attributes = ("patterns_",)
    featurizes_training_data = True

    @classmethod
    def get_default_config(cls) -> dict[str, Any]:
        """Return Rasa's defaults."""
        return {
            "case_sensitive": True,
            "use_lookup_tables": True,
            "use_regexes": True,
            "use_word_boundaries": True,
            "number_additional_patterns": None,
            "alias": None,
        }

    def validate_config(self) -> None:
        """Check that the boolean options are booleans."""
        for key in ("case_sensitive", "use_lookup_tables", "use_regexes", "use_word_boundaries"):
            if not isinstance(self.config[key], bool):
                raise config_error(type(self).__name__, f"{key} must be true or false.")

    @property
    def block_name(self) -> str:
        """Name of the feature block this featurizer writes."""
        return self.config.get("alias") or type(self).__name__

    def fit(self, messages: Sequence[Message], data: NluData | None = None) -> RegexFeaturizer:
        """Collect the patterns of the training data."""
        self.validate_config()
        self.patterns_ = collect_patterns(
            data or NluData(),
            use_regexes=self.config["use_regexes"],
            use_lookup_tables=self.config["use_lookup_tables"],
            use_word_boundaries=self.config["use_word_boundaries"],
        )
        self._compiled = compile_patterns(self.patterns_, self.config["case_sensitive"])
        return self

    def _patterns(self) -> list[tuple[str, re.Pattern[str]]]:
        compiled = getattr(self, "_compiled", None)
        if compiled is None:
            compiled = self._compiled = compile_patterns(self.patterns_, self.config["case_sensitive"])
        return compiled

    def process(self, message: Message) -> None:
        """Append the pattern block and set per-token pattern names."""
        import numpy as np

        self.check_fitted()
        tokens = message.tokens
        token_patterns: list[list[str]] = [[] for _ in tokens]
        hits: list[int] = []
        for index, (name, pattern) in enumerate(self._patterns()):
            matched = False
            for match in pattern.finditer(message.text):
                start, end = match.span()
                if end == start:
                    continue
                if not tokens:
                    matched = True
                for t, token in enumerate(tokens):
                    if token.start < end and token.end > start:
                        matched = True
                        if name not in token_patterns[t]:
                            token_patterns[t].append(name)
            if matched:
                hits.append(index)
        message.token_patterns = token_patterns
        message.features.append(
            FeatureBlock(
                self.block_name,
                np.asarray(hits, dtype=np.int32),
                np.ones(len(hits), dtype=np.float64),
                len(self.patterns_),
            )
        )

    def _persist_state(self, directory: Path) -> dict[str, Any]:
        return {"patterns": self.patterns_}

    def _load_state(self, state: dict[str, Any], directory: Path) -> None:
        self.patterns_ = [{"name": p["name"], "pattern": p["pattern"]} for p in state["patterns"]]
