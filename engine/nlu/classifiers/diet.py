"""IntentEntityClassifier: what a DIETClassifier entry in config.yml trains.

DIET is one transformer for intents and entities. We train an
:class:`EnsembleIntentClassifier` for the intent (or the
:class:`LinearIntentClassifier`, option ``intent_model: linear``) and, when
the training data has entity annotations, a :class:`CRFEntityExtractor`
whose tags are conditioned on the predicted intent, which is what DIET's
joint training buys. Entities keep ``extractor: DIETClassifier`` so clients
see what Rasa would report. DIET's neural options (epochs, layers, ...) are
accepted and ignored.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

from engine.data.types import NluData
from engine.nlu.classifiers.ensemble import EnsembleIntentClassifier
from engine.nlu.classifiers.linear import LinearIntentClassifier
from engine.nlu.component import Component, Message, check_choice, config_error
from engine.nlu.extractors.crf import CRFEntityExtractor

INTENT_MODELS = {"ensemble": EnsembleIntentClassifier, "linear": LinearIntentClassifier}
# Options that carry over to the stand-ins.
INTENT_OPTIONS = {
    # Not DIET's ``learning_rate``/``batch_size``/``drop_rate``: they mean other things there.
    "ensemble": ("ranking_length", "class_weight", "random_state", "hidden_size", "mlp_weight", "svm_C",
                 "svm_temperature"),
    "linear": ("ranking_length", "C", "class_weight", "max_iter", "random_state"),
}
ENTITY_OPTIONS = (
    "BILOU_flag", "tag_scheme", "split_entities_by_comma", "features", "algorithm", "max_iterations",
    "L1_c", "L2_c", "perceptron_epochs", "random_seed",
)


class IntentEntityClassifier(Component):
    """Linear intent classifier plus, when the data has entities, a CRF tagger.

    Config:
        intent_classification: Predict intents (True).
        intent_model: ``ensemble`` (default) or ``linear``.
        entity_recognition: Extract entities (True; needs annotations).
        extractor_name: ``extractor`` of the output entities
            (``DIETClassifier``).
        Plus the options of the intent model (``ranking_length``...) and of
        CRFEntityExtractor (``BILOU_flag``...). DIET's ``epochs`` does not
        carry over: its 100-300 transformer epochs mean nothing here.
    """

    provides = frozenset({"intent", "entities"})
    requires = frozenset({"tokens", "features"})
    learned_attributes = ("intent_model_", "entity_model_")
    format_version = 2

    @classmethod
    def get_default_config(cls) -> dict[str, Any]:
        """Return the defaults (DIET's switches and extractor name)."""
        return {
            "intent_classification": True,
            "intent_model": "ensemble",
            "entity_recognition": True,
            "extractor_name": "DIETClassifier",
            "ranking_length": 10,
        }

    def _intent_class(self) -> type[Component]:
        return INTENT_MODELS[self.config["intent_model"]]

    def _intent_config(self) -> dict[str, Any]:
        return {k: self.config[k] for k in INTENT_OPTIONS[self.config["intent_model"]] if k in self.config}

    def _entity_config(self) -> dict[str, Any]:
        config = {k: self.config[k] for k in ENTITY_OPTIONS if k in self.config}
        config["extractor_name"] = self.config["extractor_name"]
        config["use_intent_features"] = bool(self.config["intent_classification"])
        return config

    def validate_config(self) -> None:
        """Validate the switches and the options passed to the stand-ins."""
        for key in ("intent_classification", "entity_recognition"):
            if not isinstance(self.config[key], bool):
                raise config_error(type(self).__name__, f"{key} must be true or false.")
        check_choice(type(self).__name__, "intent_model", self.config["intent_model"], tuple(INTENT_MODELS))
        self._intent_class()(self._intent_config()).validate_config()
        CRFEntityExtractor(self._entity_config()).validate_config()

    def fit(self, messages: Sequence[Message], data: NluData | None = None) -> IntentEntityClassifier:
        """Fit the intent model and, if there are annotations, the entity model."""
        self.validate_config()
        self.intent_model_: Component | None = None
        self.entity_model_: CRFEntityExtractor | None = None
        if self.config["intent_classification"]:
            self.intent_model_ = self._intent_class()(self._intent_config()).fit(messages, data)
        if self.config["entity_recognition"] and any(m.target_entities for m in messages):
            self.entity_model_ = CRFEntityExtractor(self._entity_config()).fit(messages, data)
        return self

    @property
    def classes(self) -> list[str]:
        """The intents the classifier can predict (empty without intent model)."""
        self.check_fitted()
        return list(getattr(self.intent_model_, "classes", [])) if self.intent_model_ else []

    def process(self, message: Message) -> None:
        """Predict the intent and extract entities."""
        self.check_fitted()
        if self.intent_model_ is not None:
            self.intent_model_.process(message)
        if self.entity_model_ is not None:
            self.entity_model_.process(message)

    def _persist_state(self, directory: Path) -> dict[str, Any]:
        if self.intent_model_ is not None:
            self.intent_model_.persist(directory / "intent")
        if self.entity_model_ is not None:
            self.entity_model_.persist(directory / "entities")
        return {"intent": self.intent_model_ is not None, "entities": self.entity_model_ is not None}

    def _load_state(self, state: dict[str, Any], directory: Path) -> None:
        self.intent_model_ = self._intent_class().load(directory / "intent") if state["intent"] else None
        self.entity_model_ = CRFEntityExtractor.load(directory / "entities") if state["entities"] else None
