"""ResponseSelector: pick the response key of a retrieval intent (``faq/ask_x``).

A linear softmax model over the same sparse features as the intent
classifier, trained on the examples of retrieval intents with their full
name as label. Writes Rasa's ``response_selector`` block (data-formats §1.3).
"""
from __future__ import annotations

import copy
import hashlib
from pathlib import Path
from typing import Any, Sequence

from engine.data.types import NluData
from engine.nlu.classifiers.linear_model import (
    Layout,
    SoftmaxModel,
    check_layout,
    feature_layout,
    row_of,
    stack_rows,
)
from engine.nlu.component import Component, Message, check_number, config_error

WEIGHTS_FILE = "weights.npz"
DEFAULT_KEY = "default"


def response_id(key: str) -> int:
    """A stable signed 64-bit id for a response key (Rasa shows a label hash)."""
    digest = hashlib.sha1(key.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class ResponseSelector(Component):
    """Select the response of a retrieval intent.

    Config:
        retrieval_intent: Train only on this retrieval intent; None trains on
            all of them and writes the ``default`` key.
        ranking_length: Entries in the ranking (10; 0 = all).
        C / class_weight / max_iter / random_state: Linear model options.
    """

    provides = frozenset({"response"})
    requires = frozenset({"features"})
    learned_attributes = ("model_", "layout_", "responses_", "retrieval_intents_")

    @classmethod
    def get_default_config(cls) -> dict[str, Any]:
        """Return the defaults."""
        return {
            "retrieval_intent": None,
            "ranking_length": 10,
            "C": 30.0,
            "class_weight": "balanced",
            "max_iter": 1000,
            "random_state": 42,
        }

    def validate_config(self) -> None:
        """Check ``retrieval_intent`` and ``ranking_length``."""
        name = type(self).__name__
        intent = self.config["retrieval_intent"]
        if intent is not None and not isinstance(intent, str):
            raise config_error(name, "retrieval_intent must be an intent name or null.")
        check_number(name, "ranking_length", self.config["ranking_length"], minimum=0, integer=True)
        check_number(name, "C", self.config["C"], minimum=1e-9)

    @property
    def selector_key(self) -> str:
        """Key of this selector's entry in ``response_selector``."""
        return self.config["retrieval_intent"] or DEFAULT_KEY

    def fit(self, messages: Sequence[Message], data: NluData | None = None) -> ResponseSelector:
        """Fit on the examples of the selected retrieval intent(s)."""
        import numpy as np

        self.validate_config()
        data = data or NluData()
        wanted = self.config["retrieval_intent"]
        selected = [
            m for m in messages if m.target_response_key and (wanted is None or m.target_intent == wanted)
        ]
        self.retrieval_intents_ = sorted({m.target_intent for m in messages if m.target_response_key and m.target_intent})
        self.layout_: Layout = feature_layout(selected[0]) if selected else []
        keys = [m.target_response_key or "" for m in selected]
        self.responses_ = {
            key: data.responses.get(f"utter_{key}") for key in sorted(set(keys)) if data.responses.get(f"utter_{key}")
        }
        if not selected:
            self.model_ = SoftmaxModel([], np.zeros((0, 0)), np.zeros(0))
            return self
        self.model_ = SoftmaxModel.fit(
            stack_rows(selected, self.layout_),
            keys,
            c=float(self.config["C"]),
            class_weight=self.config["class_weight"],
            max_iter=int(self.config["max_iter"]),
            random_state=self.config["random_state"],
        )
        return self

    def process(self, message: Message) -> None:
        """Add this selector's prediction to ``message.response_selector``."""
        import numpy as np

        self.check_fitted()
        block = message.response_selector
        if block is None:
            block = message.response_selector = {"all_retrieval_intents": list(self.retrieval_intents_)}
        classes = self.model_.classes
        if not classes:
            block[self.selector_key] = {
                "response": {"responses": None, "confidence": 0.0, "intent_response_key": None, "utter_action": "utter_None"},
                "ranking": [],
            }
            return
        if len(classes) == 1:
            probabilities = np.ones(1)
        else:
            check_layout(message, self.layout_, type(self).__name__)
            probabilities = self.model_.predict_row(*row_of(message, self.layout_))
        order = np.argsort(-probabilities, kind="stable")
        length = int(self.config["ranking_length"])
        if length > 0:
            order = order[:length]
        best = classes[int(order[0])]
        block[self.selector_key] = {
            "response": {
                "responses": copy.deepcopy(self.responses_.get(best)),
                "confidence": float(probabilities[order[0]]),
                "intent_response_key": best,
                "utter_action": f"utter_{best}",
            },
            "ranking": [
                {"id": response_id(classes[i]), "confidence": float(probabilities[i]), "intent_response_key": classes[i]}
                for i in order
            ],
        }

    def _persist_state(self, directory: Path) -> dict[str, Any]:
        self.model_.save(directory / WEIGHTS_FILE)
        return {
            "classes": self.model_.classes,
            "layout": [list(pair) for pair in self.layout_],
            "responses": self.responses_,
            "retrieval_intents": self.retrieval_intents_,
        }

    def _load_state(self, state: dict[str, Any], directory: Path) -> None:
        self.model_ = SoftmaxModel.load(directory / WEIGHTS_FILE, list(state["classes"]))
        self.layout_ = [(str(name), int(size)) for name, size in state["layout"]]
        self.responses_ = dict(state["responses"])
        self.retrieval_intents_ = list(state["retrieval_intents"])
