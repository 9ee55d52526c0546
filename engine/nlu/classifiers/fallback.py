"""FallbackClassifier: predict ``nlu_fallback`` for low or ambiguous confidence."""
from __future__ import annotations

from typing import Any, Sequence

from engine.data.types import NluData
from engine.nlu.component import Component, Message, check_number

FALLBACK_INTENT = "nlu_fallback"


class FallbackClassifier(Component):
    """Replace an unsure intent prediction with ``nlu_fallback`` (Rasa 3.x).

    Falls back when the top confidence is below ``threshold`` or the top two
    confidences differ by less than ``ambiguity_threshold``. Then the intent
    becomes ``{name: nlu_fallback, confidence: threshold}`` and the same entry
    is inserted at the front of ``intent_ranking``. Messages no classifier
    made a prediction for are left alone.

    Config:
        threshold: Minimum top confidence (0.3).
        ambiguity_threshold: Minimum gap between the top two (0.1).
    """

    provides = frozenset({"intent"})
    requires = frozenset({"intent"})

    @classmethod
    def get_default_config(cls) -> dict[str, Any]:
        """Return Rasa's defaults."""
        return {"threshold": 0.3, "ambiguity_threshold": 0.1}

    def validate_config(self) -> None:
        """Check the thresholds are numbers."""
        check_number(type(self).__name__, "threshold", self.config["threshold"], minimum=0)
        check_number(type(self).__name__, "ambiguity_threshold", self.config["ambiguity_threshold"], minimum=0)

    def fit(self, messages: Sequence[Message], data: NluData | None = None) -> FallbackClassifier:
        """Nothing to learn."""
        self.validate_config()
        return self

    def should_fall_back(self, message: Message) -> bool:
        """Whether the message's intent prediction is too unsure."""
        if message.intent is None:
            return False
        confidence = float(message.intent.get("confidence") or 0.0)
        if confidence < self.config["threshold"]:
            return True
        ranking = message.intent_ranking
        if len(ranking) >= 2:
            gap = float(ranking[0]["confidence"]) - float(ranking[1]["confidence"])
            return gap < self.config["ambiguity_threshold"]
        return False

    def process(self, message: Message) -> None:
        """Insert ``nlu_fallback`` when the prediction is unsure."""
        if not self.should_fall_back(message):
            return
        threshold = float(self.config["threshold"])
        message.intent = {"name": FALLBACK_INTENT, "confidence": threshold}
        message.intent_ranking = [{"name": FALLBACK_INTENT, "confidence": threshold}, *message.intent_ranking]
