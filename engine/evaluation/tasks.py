"""Score one NLU task (intents, one entity extractor, response selection).

Each builder turns :class:`ExamplePrediction` items into a
:class:`TaskEvaluation` holding the label lists (for pictures), the report
and the error and success lists in the item shapes Rasa writes to
``*_errors.json`` / ``*_successes.json`` and returns over HTTP.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

from engine.evaluation.metrics import NO_ENTITY, Scores, classification_report
from engine.evaluation.nlu_predict import ExamplePrediction

NONE_LABEL = "None"
ENTITY_LABEL_SEPARATOR = "#"


@dataclass
class TaskEvaluation:
    """The evaluation of one NLU task.

    Attributes:
        name: ``intent``, an extractor name or ``response_selection``.
        targets: Gold label per scored item (token, for entities).
        predictions: Predicted label per scored item.
        confidences: Per example: (confidence, correct) for histograms.
        scores: Report and headline figures.
        items: The ``predictions`` list of the HTTP body (intents and
            responses; empty for entities, which Rasa does not list).
        errors: Wrongly predicted examples.
        successes: Correctly predicted examples.
        exclude: Label left out of the report (``no_entity``).
    """

    name: str
    targets: list[str]
    predictions: list[str]
    confidences: list[tuple[float, bool]]
    scores: Scores
    items: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    successes: list[dict[str, Any]] = field(default_factory=list)
    exclude: str | None = None

    def as_body(self) -> dict[str, Any]:
        """Rasa's evaluation object (``report``, ``precision``, ``f1_score``...)."""
        body: dict[str, Any] = {}
        if self.items:
            body["predictions"] = self.items
        body.update(
            report=self.scores.report,
            precision=self.scores.precision,
            f1_score=self.scores.f1_score,
            accuracy=self.scores.accuracy,
            errors=self.errors,
        )
        return body

    def as_cv_body(self) -> dict[str, Any]:
        """The cross-validation object: ``report``, ``precision``, ``f1_score``, ``errors``."""
        return {
            "report": self.scores.report,
            "precision": self.scores.precision,
            "f1_score": self.scores.f1_score,
            "errors": self.errors,
        }


def _by_confidence(items: list[dict[str, Any]], key: Any) -> list[dict[str, Any]]:
    # Most confident first: a confident mistake is the one to fix first.
    return sorted(items, key=key, reverse=True)


def intent_evaluation(predictions: Sequence[ExamplePrediction]) -> TaskEvaluation | None:
    """Score intent classification on the examples that have an intent."""
    scored = [p for p in predictions if p.example.intent]
    if not scored:
        return None
    targets, predicted, confidences, items, errors, successes = [], [], [], [], [], []
    for p in scored:
        target = p.example.intent.split("/", 1)[0]  # type: ignore[union-attr]
        label = p.predicted_intent or NONE_LABEL
        confidence = p.intent_confidence
        targets.append(target)
        predicted.append(label)
        confidences.append((confidence, label == target))
        items.append({"text": p.example.text, "intent": target, "predicted": p.predicted_intent,
                      "confidence": confidence})
        entry = {"text": p.example.text, "intent": target,
                 "intent_prediction": {"name": p.predicted_intent, "confidence": confidence}}
        (successes if label == target else errors).append(entry)
    scores = classification_report(targets, predicted, confused_with=True)
    conf = lambda e: e["intent_prediction"]["confidence"]  # noqa: E731
    return TaskEvaluation("intent", targets, predicted, confidences, scores, items,
                          _by_confidence(errors, conf), _by_confidence(successes, conf))


def entity_label(entity: dict[str, Any]) -> str:
    """The label an entity gives its tokens: type, plus ``#role`` / ``#group``."""
    label = str(entity.get("entity"))
    for key in ("role", "group"):
        if entity.get(key) is not None:
            label += f"{ENTITY_LABEL_SEPARATOR}{entity[key]}"
    return label


def token_labels(tokens: Sequence[tuple[int, int]], entities: Sequence[dict[str, Any]]) -> list[str]:
    """Label each token with the entity overlapping it, else ``no_entity``."""
    labels = []
    for start, end in tokens:
        label = NO_ENTITY
        for entity in entities:
            e_start, e_end = entity.get("start"), entity.get("end")
            if isinstance(e_start, int) and isinstance(e_end, int) and max(start, e_start) < min(end, e_end):
                label = entity_label(entity)
                break
        labels.append(label)
    return labels


def _plain_entity(entity: dict[str, Any]) -> dict[str, Any]:
    keys = ("entity", "start", "end", "value", "role", "group", "confidence_entity", "extractor")
    return {k: entity[k] for k in keys if k in entity and entity[k] is not None}


def entity_evaluation(predictions: Sequence[ExamplePrediction], extractor: str) -> TaskEvaluation:
    """Score one extractor token by token (``no_entity`` left out of the report)."""
    targets: list[str] = []
    predicted: list[str] = []
    errors, successes = [], []
    for p in predictions:
        gold = p.example.entities
        found = p.entities_of(extractor)
        gold_labels = token_labels(p.tokens, gold)
        found_labels = token_labels(p.tokens, found)
        targets += gold_labels
        predicted += found_labels
        if not gold and not found:
            continue
        entry = {"text": p.example.text, "entities": [_plain_entity(e) for e in gold],
                 "predicted_entities": [_plain_entity(e) for e in found]}
        (successes if gold_labels == found_labels else errors).append(entry)
    scores = classification_report(targets, predicted, exclude=NO_ENTITY)
    return TaskEvaluation(extractor, targets, predicted, [], scores, [], errors, successes, exclude=NO_ENTITY)


def response_evaluation(predictions: Sequence[ExamplePrediction]) -> TaskEvaluation | None:
    """Score response selection on the examples of retrieval intents."""
    scored = [p for p in predictions if p.example.intent and "/" in p.example.intent]
    if not scored:
        return None
    targets, predicted, confidences, items, errors, successes = [], [], [], [], [], []
    for p in scored:
        target = p.example.intent or ""
        key, confidence = p.selected_response()
        label = key or NONE_LABEL
        targets.append(target)
        predicted.append(label)
        confidences.append((confidence, label == target))
        items.append({"text": p.example.text, "intent_response_key_target": target,
                      "intent_response_key_prediction": key, "confidence": confidence})
        entry = {"text": p.example.text, "intent_response_key_target": target,
                 "intent_response_key_prediction": {"name": key, "confidence": confidence}}
        (successes if label == target else errors).append(entry)
    scores = classification_report(targets, predicted, confused_with=True)
    conf = lambda e: e["intent_response_key_prediction"]["confidence"]  # noqa: E731
    return TaskEvaluation("response_selection", targets, predicted, confidences, scores, items,
                          _by_confidence(errors, conf), _by_confidence(successes, conf))
