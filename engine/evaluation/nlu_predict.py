"""Run an NLU pipeline over annotated examples and keep what evaluation needs.

One pass per example gives the intent, the entities of every extractor, the
response selection and the tokens (entities are scored token by token, as
Rasa does), so the three evaluations never parse a text twice.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Sequence

from engine.data.types import NluExample

if TYPE_CHECKING:
    from engine.nlu.component import Component
    from engine.nlu.pipeline import NluPipeline

Progress = Callable[[int, int], None]

# Extractors that are not trained on the project data (Rasa leaves them out too).
PRETRAINED_EXTRACTORS = frozenset({"DucklingEntityExtractor", "SpacyEntityExtractor"})
NOT_EXTRACTORS = frozenset({"EntitySynonymMapper"})
DEFAULT_SELECTOR_KEY = "default"
_FALLBACK_TOKEN = re.compile(r"\w+|[^\w\s]")


@dataclass
class ExamplePrediction:
    """One example and what the pipeline made of it.

    Attributes:
        example: The annotated example.
        parse: The parse result (Rasa's parse JSON).
        tokens: ``(start, end)`` offsets of the message tokens.
    """

    example: NluExample
    parse: dict[str, Any]
    tokens: list[tuple[int, int]] = field(default_factory=list)

    @property
    def predicted_intent(self) -> str | None:
        """The predicted intent name, or None."""
        return (self.parse.get("intent") or {}).get("name")

    @property
    def intent_confidence(self) -> float:
        """The confidence of the predicted intent."""
        return float((self.parse.get("intent") or {}).get("confidence") or 0.0)

    def entities_of(self, extractor: str) -> list[dict[str, Any]]:
        """Predicted entities of one extractor."""
        return [e for e in self.parse.get("entities") or [] if e.get("extractor") == extractor]

    def selected_response(self) -> tuple[str | None, float]:
        """Return (predicted ``intent/response`` key, confidence) of the response selector."""
        block = self.parse.get("response_selector") or {}
        base = (self.example.intent or "").split("/", 1)[0]
        chosen = block.get(base) or block.get(DEFAULT_SELECTOR_KEY) or {}
        response = chosen.get("response") or {}
        return response.get("intent_response_key"), float(response.get("confidence") or 0.0)


def extractor_name(component: Component) -> str:
    """The ``extractor`` value a component writes on its entities."""
    name = getattr(component, "extractor_name", None)
    if isinstance(name, str) and name:
        return name
    configured = component.config.get("extractor_name")
    return str(configured) if configured else type(component).__name__


def trainable_extractors(pipeline: NluPipeline) -> list[str]:
    """Names of the pipeline's entity extractors that learn from the data."""
    names: list[str] = []
    for component in pipeline.components:
        kind = type(component).__name__
        if "entities" not in component.provides or kind in NOT_EXTRACTORS | PRETRAINED_EXTRACTORS:
            continue
        if component.config.get("entity_recognition") is False:
            continue
        name = extractor_name(component)
        if name not in names and name not in PRETRAINED_EXTRACTORS:
            names.append(name)
    return names


def has_response_selector(pipeline: NluPipeline) -> bool:
    """Whether the pipeline selects responses of retrieval intents."""
    return any("response" in component.provides for component in pipeline.components)


def has_intent_classifier(pipeline: NluPipeline) -> bool:
    """Whether the pipeline predicts intents."""
    return any("intent" in component.provides for component in pipeline.components)


def fallback_tokens(text: str) -> list[tuple[int, int]]:
    """Word and punctuation offsets, for pipelines without a tokenizer."""
    return [(m.start(), m.end()) for m in _FALLBACK_TOKEN.finditer(text)]


def predict_examples(
    pipeline: NluPipeline, examples: Sequence[NluExample], progress: Progress | None = None
) -> list[ExamplePrediction]:
    """Parse every example with ``pipeline``.

    Args:
        pipeline: A trained NLU pipeline.
        examples: Annotated examples; blank texts are skipped.
        progress: Called with (done, total) after each example.
    """
    usable = [e for e in examples if e.text and e.text.strip()]
    results: list[ExamplePrediction] = []
    for index, example in enumerate(usable, start=1):
        message = pipeline.process(example.text)
        tokens = [(t.start, t.end) for t in message.tokens] or fallback_tokens(example.text)
        results.append(ExamplePrediction(example, message.to_parse_dict(), tokens))
        if progress is not None:
            progress(index, len(usable))
    return results
