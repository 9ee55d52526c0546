"""NluPipeline: build components from config.yml, train them, parse texts.

The pipeline is a plain ordered list of components (no graph engine).
Training runs each component's ``fit`` in order and lets tokenizers and
featurizers process the training messages for the components after them.
Parsing runs every component's ``process`` on one :class:`Message`.
"""
from __future__ import annotations

import logging
import re
import shutil
from pathlib import Path
from typing import Any, Callable, Sequence

from engine.data.types import NluData
from engine.errors import DataError, ModelLoadError
from engine.nlu import registry
from engine.nlu.component import Component, Message, read_json, write_json

logger = logging.getLogger(__name__)

PIPELINE_FILE = "pipeline.json"
FORMAT_VERSION = 1

ROLE_NAMES = {
    "tokens": "a tokenizer (e.g. WhitespaceTokenizer)",
    "features": "a featurizer (e.g. CountVectorsFeaturizer)",
    "intent": "an intent classifier (e.g. DIETClassifier)",
}


class NluPipeline:
    """An ordered list of NLU components with train, parse and persistence.

    Attributes:
        components: The components, in order.
        language: ``language`` of config.yml (informational).
        mappings: (Rasa name, our stand-in) for each config entry that is not
            served by a component of the same name.
        rasa_names: For each component, the config.yml name it came from.
    """

    def __init__(
        self,
        components: Sequence[Component],
        *,
        language: str | None = None,
        mappings: Sequence[tuple[str, str]] = (),
        rasa_names: Sequence[str] | None = None,
    ) -> None:
        self.components: list[Component] = list(components)
        self.language = language
        self.mappings: list[tuple[str, str]] = list(mappings)
        self.rasa_names: list[str] = list(rasa_names or [type(c).__name__ for c in self.components])

    # -- building ---------------------------------------------------------

    @classmethod
    def from_config(cls, config: dict[str, Any] | None) -> NluPipeline:
        """Build an untrained pipeline from a whole config.yml dict.

        A missing or null ``pipeline`` means Rasa 3.x's default pipeline.
        Rasa names we serve differently are mapped, with one info log line
        per mapping.

        Raises:
            DataError: Unknown component, bad options, or a component placed
                before the components it needs.
        """
        config = config or {}
        if not isinstance(config, dict):
            raise DataError(f"config.yml must be a mapping, got {type(config).__name__}.")
        entries = config.get("pipeline")
        if entries is None:
            logger.info("config.yml has no NLU pipeline: using Rasa's default pipeline.")
            entries = registry.DEFAULT_PIPELINE
        if not isinstance(entries, list):
            raise DataError(f"The NLU pipeline in config.yml must be a list, got {type(entries).__name__}.")
        context = registry.ResolveContext(
            has_sparse_featurizer=any(isinstance(e, dict) and e.get("name") == "CountVectorsFeaturizer" for e in entries)
        )
        components: list[Component] = []
        rasa_names: list[str] = []
        mappings: list[tuple[str, str]] = []
        for position, entry in enumerate(entries, start=1):
            resolution = registry.resolve(entry, context, position)
            if resolution.mapping is not None:
                logger.info("NLU pipeline: %s -> %s", resolution.rasa_name, resolution.mapping)
                mappings.append((resolution.rasa_name, resolution.mapping))
            for name, options in resolution.steps:
                component_class = registry.component_class(name)
                if name == "CRFEntityExtractor" and "use_intent_features" not in options:
                    # Entity types depend on the intent: condition on it when one is predicted first.
                    options = {**options, "use_intent_features": any("intent" in c.provides for c in components)}
                component = component_class(options)
                component.validate_config()
                components.append(component)
                rasa_names.append(resolution.rasa_name)
        _check_order(components, rasa_names)
        language = config.get("language")
        return cls(components, language=str(language) if language else None, mappings=mappings, rasa_names=rasa_names)

    # -- training ---------------------------------------------------------

    def fit(self, data: NluData, progress: Callable[[str], None] | None = None) -> NluPipeline:
        """Train every component on ``data``; returns self.

        Args:
            data: NLU training data (may be empty for core-only projects).
            progress: Called with each component's name before it trains.
        """
        messages = [Message.from_example(e) for e in data.examples if e.text and e.text.strip()]
        for component in self.components:
            name = type(component).__name__
            if progress is not None:
                progress(name)
            logger.debug("training %s on %d examples", name, len(messages))
            component.fit(messages, data)
            if component.featurizes_training_data:
                component.process_batch(messages)
        return self

    # -- inference --------------------------------------------------------

    def process(self, text: str) -> Message:
        """Run all components on ``text`` and return the message."""
        message = Message(text=text)
        for component in self.components:
            component.process(message)
        return message

    def parse(self, text: str, message_id: str | None = None) -> dict[str, Any]:
        """Parse ``text`` into Rasa's parse result dict.

        Returns:
            ``text``, ``intent`` (``name`` None without a classifier),
            ``entities``, ``intent_ranking``, ``text_tokens`` and, when
            given, ``message_id`` (plus ``response_selector`` if a selector
            ran). Confidences are plain floats.
        """
        return self.process(text).to_parse_dict(message_id)

    @property
    def intents(self) -> list[str]:
        """Intents the pipeline's classifiers can predict."""
        found: list[str] = []
        for component in self.components:
            for intent in getattr(component, "classes", []) or []:
                if intent not in found:
                    found.append(intent)
        return found

    # -- persistence ------------------------------------------------------

    def persist(self, directory: Path) -> None:
        """Write the trained pipeline into ``directory`` (one folder per component)."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        entries = []
        for index, (component, rasa_name) in enumerate(zip(self.components, self.rasa_names)):
            name = type(component).__name__
            folder = f"{index:02d}_{name}"
            target = directory / folder
            if target.exists():
                shutil.rmtree(target)
            component.persist(target)
            entries.append({"name": name, "folder": folder, "rasa_name": rasa_name})
        write_json(
            directory / PIPELINE_FILE,
            {
                "format_version": FORMAT_VERSION,
                "language": self.language,
                "components": entries,
                "mappings": [list(m) for m in self.mappings],
            },
        )

    @classmethod
    def load(cls, directory: Path) -> NluPipeline:
        """Read a pipeline written by :meth:`persist`.

        Raises:
            ModelLoadError: Missing files, unknown components or an
                incompatible format version.
        """
        directory = Path(directory)
        meta = read_json(directory / PIPELINE_FILE)
        if not isinstance(meta, dict) or meta.get("format_version") != FORMAT_VERSION:
            raise ModelLoadError(
                f"The NLU pipeline in {directory} has format version "
                f"{meta.get('format_version') if isinstance(meta, dict) else None}; "
                f"this Parley reads version {FORMAT_VERSION}. Retrain the model."
            )
        components: list[Component] = []
        rasa_names: list[str] = []
        for entry in meta.get("components", []):
            name, folder = entry.get("name"), entry.get("folder", "")
            if name not in registry.COMPONENTS or not re.fullmatch(r"[\w.-]+", str(folder)) or folder.startswith("."):
                raise ModelLoadError(f"The NLU pipeline in {directory} names an unknown component {name!r}.")
            components.append(registry.component_class(name).load(directory / folder))
            rasa_names.append(str(entry.get("rasa_name") or name))
        return cls(
            components,
            language=meta.get("language"),
            mappings=[(str(a), str(b)) for a, b in meta.get("mappings", [])],
            rasa_names=rasa_names,
        )


def _check_order(components: list[Component], rasa_names: list[str]) -> None:
    """Raise a DataError when a component comes before what it needs."""
    provided: set[str] = set()
    for component, rasa_name in zip(components, rasa_names):
        missing = sorted(component.requires - provided)
        if missing:
            needs = " and ".join(ROLE_NAMES.get(role, role) for role in missing)
            raise DataError(f"The NLU component {rasa_name} needs {needs} earlier in the pipeline.")
        provided |= component.provides
