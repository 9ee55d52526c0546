"""NLU evaluation: intents, entities and response selection, and cross-validation.

:func:`evaluate_intents` and :func:`cross_validate` return the bodies of
Rasa's ``POST /model/test/intents`` (plain and with
``cross_validation_folds``); :func:`evaluate_nlu` and
:func:`cross_validation` return the richer objects the CLI writes report
files and pictures from.
"""
from __future__ import annotations

import random
import statistics
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

from engine.data.types import NluData, NluExample
from engine.errors import BadRequest, Conflict
from engine.evaluation.nlu_predict import (
    ExamplePrediction,
    has_intent_classifier,
    has_response_selector,
    predict_examples,
    trainable_extractors,
)
from engine.evaluation.tasks import TaskEvaluation, entity_evaluation, intent_evaluation, response_evaluation

if TYPE_CHECKING:
    from engine.models.loader import Model
    from engine.nlu.pipeline import NluPipeline

StageProgress = Callable[[str, int, int], None]
CV_SEED = 42
EVALUATION_KEYS = ("intent_evaluation", "entity_evaluation", "response_selection_evaluation")


@dataclass
class NluEvaluation:
    """Everything one NLU evaluation found.

    Attributes:
        intent: Intent classification, or None when nothing was scored.
        entities: Extractor name -> its evaluation (empty: none scored).
        response: Response selection, or None.
        predictions: The raw per-example predictions.
    """

    intent: TaskEvaluation | None
    entities: dict[str, TaskEvaluation] = field(default_factory=dict)
    response: TaskEvaluation | None = None
    predictions: list[ExamplePrediction] = field(default_factory=list)

    def as_body(self) -> dict[str, Any]:
        """The body of ``POST /model/test/intents``."""
        return {
            "intent_evaluation": self.intent.as_body() if self.intent else None,
            "entity_evaluation": (
                {name: task.as_body() for name, task in self.entities.items()} if self.entities else None
            ),
            "response_selection_evaluation": self.response.as_body() if self.response else None,
        }


def _evaluate_predictions(
    predictions: list[ExamplePrediction], *, intents: bool, extractors: list[str], responses: bool
) -> NluEvaluation:
    has_gold_entities = any(p.example.entities for p in predictions)
    active = [
        name for name in extractors if has_gold_entities or any(p.entities_of(name) for p in predictions)
    ]
    return NluEvaluation(
        intent=intent_evaluation(predictions) if intents else None,
        entities={name: entity_evaluation(predictions, name) for name in active},
        response=response_evaluation(predictions) if responses else None,
        predictions=predictions,
    )


def _stage(progress: StageProgress | None, stage: str) -> Callable[[int, int], None] | None:
    if progress is None:
        return None
    return lambda done, total: progress(stage, done, total)


def evaluate_pipeline(
    pipeline: NluPipeline, data: NluData, progress: StageProgress | None = None, stage: str = "Evaluating NLU"
) -> NluEvaluation:
    """Evaluate a trained pipeline on annotated ``data`` (``stage`` names the progress bar)."""
    predictions = predict_examples(pipeline, data.examples, _stage(progress, stage))
    return _evaluate_predictions(
        predictions,
        intents=has_intent_classifier(pipeline),
        extractors=trainable_extractors(pipeline),
        responses=has_response_selector(pipeline),
    )


def evaluate_nlu(model: Model, data: NluData, progress: StageProgress | None = None) -> NluEvaluation:
    """Evaluate the NLU part of a loaded model on annotated ``data``.

    Raises:
        Conflict: The model has no NLU pipeline (a dialogue-only model).
    """
    if model.nlu is None:
        raise Conflict(
            "This model has no NLU pipeline (dialogue-only model), so there is nothing to test "
            "intents with. Train a model with NLU data."
        )
    return evaluate_pipeline(model.nlu, data, progress)


def evaluate_intents(model: Model, data: NluData) -> dict[str, Any]:
    """Evaluate ``model`` on ``data``: the body of ``POST /model/test/intents``.

    Returns:
        ``{"intent_evaluation", "entity_evaluation",
        "response_selection_evaluation"}``; a part is None when the data or
        the pipeline has nothing to score for it. ``entity_evaluation``
        maps each entity extractor to its evaluation.

    Raises:
        Conflict: The model has no NLU pipeline.
    """
    return evaluate_nlu(model, data).as_body()


@dataclass
class CrossValidation:
    """The result of k-fold cross-validation.

    Attributes:
        evaluation: All test folds' predictions scored together.
        fold_scores: Per task, per fold: (accuracy, precision, f1).
        folds: Number of folds.
    """

    evaluation: NluEvaluation
    fold_scores: dict[str, list[tuple[float, float, float]]]
    folds: int

    def summary(self) -> dict[str, dict[str, tuple[float, float]]]:
        """Per task: mean and standard deviation of accuracy, precision and f1 over folds."""
        result: dict[str, dict[str, tuple[float, float]]] = {}
        for task, rows in self.fold_scores.items():
            columns = list(zip(*rows))
            result[task] = {
                name: (statistics.fmean(values), statistics.pstdev(values))
                for name, values in zip(("accuracy", "precision", "f1_score"), columns)
            }
        return result

    def as_body(self) -> dict[str, Any]:
        """The cross-validation body: each part ``{report, precision, f1_score, errors}``.

        Every part is an object (empty report when there was nothing to score
        for it), so clients can read the keys unconditionally.
        """
        ev = self.evaluation
        entity = next(iter(ev.entities.values()), None)
        return {
            key: task.as_cv_body() if task else {"report": {}, "precision": 0.0, "f1_score": 0.0, "errors": []}
            for key, task in zip(EVALUATION_KEYS, (ev.intent, entity, ev.response))
        }


def stratified_folds(examples: list[NluExample], folds: int, seed: int = CV_SEED) -> list[list[int]]:
    """Split example indices into ``folds`` parts, each intent spread evenly.

    Raises:
        BadRequest: Fewer than 2 folds, or fewer examples than folds.
    """
    if folds < 2:
        raise BadRequest(f"Cross-validation needs at least 2 folds, got {folds}.")
    if len(examples) < folds:
        raise BadRequest(f"Cross-validation with {folds} folds needs at least {folds} examples; "
                         f"the data has {len(examples)}.")
    rng = random.Random(seed)
    by_intent: dict[str, list[int]] = {}
    for index, example in enumerate(examples):
        by_intent.setdefault(example.intent or "", []).append(index)
    parts: list[list[int]] = [[] for _ in range(folds)]
    position = 0
    for intent in sorted(by_intent):
        indices = by_intent[intent]
        rng.shuffle(indices)
        for index in indices:
            # Continue round-robin across intents so small intents do not all land in fold 0.
            parts[position % folds].append(index)
            position += 1
    return [sorted(part) for part in parts]


def _subset(data: NluData, examples: list[NluExample]) -> NluData:
    return NluData(examples=examples, synonyms=dict(data.synonyms), regexes=list(data.regexes),
                   lookups=list(data.lookups), responses=dict(data.responses))


def cross_validation(
    config: dict[str, Any], data: NluData, folds: int, progress: StageProgress | None = None
) -> CrossValidation:
    """Train and test the pipeline of ``config`` on ``folds`` splits of ``data``.

    Raises:
        BadRequest: Bad fold count, or too little data.
        DataError: The pipeline configuration is invalid.
    """
    from engine.nlu.pipeline import NluPipeline

    examples = [e for e in data.examples if e.text and e.text.strip()]
    parts = stratified_folds(examples, folds)
    predictions: list[ExamplePrediction] = []
    fold_scores: dict[str, list[tuple[float, float, float]]] = {}
    pipeline: NluPipeline | None = None
    for number, test_indices in enumerate(parts, start=1):
        held_out = set(test_indices)
        train = [e for i, e in enumerate(examples) if i not in held_out]
        test = [examples[i] for i in test_indices]
        if progress is not None:
            progress(f"Fold {number}/{folds}: training", number - 1, folds)
        pipeline = NluPipeline.from_config(config).fit(_subset(data, train))
        fold = evaluate_pipeline(pipeline, _subset(data, test), progress, f"Fold {number}/{folds}: testing")
        predictions += fold.predictions
        for name, task in _tasks(fold):
            fold_scores.setdefault(name, []).append(
                (task.scores.accuracy, task.scores.precision, task.scores.f1_score)
            )
    assert pipeline is not None  # stratified_folds returns at least 2 folds
    evaluation = _evaluate_predictions(
        predictions,
        intents=has_intent_classifier(pipeline),
        extractors=trainable_extractors(pipeline),
        responses=has_response_selector(pipeline),
    )
    return CrossValidation(evaluation, fold_scores, folds)


def _tasks(evaluation: NluEvaluation) -> list[tuple[str, TaskEvaluation]]:
    tasks = [("intent", evaluation.intent), *evaluation.entities.items(), ("response_selection", evaluation.response)]
    return [(name, task) for name, task in tasks if task is not None]


def cross_validate(config: dict[str, Any], data: NluData, folds: int) -> dict[str, Any]:
    """Cross-validate the NLU pipeline of ``config`` on ``data``.

    Returns:
        ``{"intent_evaluation", "entity_evaluation",
        "response_selection_evaluation"}``, each ``{"report", "precision",
        "f1_score", "errors"}`` over the predictions of all test folds.

    Raises:
        BadRequest: Fewer than 2 folds or fewer examples than folds.
        DataError: The pipeline configuration is invalid.
    """
    return cross_validation(config, data, folds).as_body()
