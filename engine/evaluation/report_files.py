"""Write evaluation results to a folder with Rasa's report file names.

NLU: ``intent_report.json``, ``intent_errors.json``
(``intent_successes.json`` on request), ``<Extractor>_report.json`` /
``_errors.json``, ``response_selection_report.json`` / ``_errors.json``,
plus confusion matrices and confidence histograms as PNG. Core:
``story_report.json``, ``failed_test_stories.yml``
(``successful_test_stories.yml`` on request) and
``story_confusion_matrix.png``.
"""
from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from engine.evaluation.metrics import confusion_matrix, label_set
from engine.evaluation.nlu import NluEvaluation
from engine.evaluation.stories import StoryEvaluation
from engine.evaluation.story_render import render_stories
from engine.evaluation.tasks import TaskEvaluation

logger = logging.getLogger(__name__)

INTENT_PREFIX = "intent"
RESPONSE_PREFIX = "response_selection"
STORY_REPORT = "story_report.json"
FAILED_STORIES = "failed_test_stories.yml"
SUCCESSFUL_STORIES = "successful_test_stories.yml"
STORY_MATRIX = "story_confusion_matrix.png"


def write_json(path: Path, value: Any) -> Path:
    """Write ``value`` as indented UTF-8 JSON."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def _pictures(task: TaskEvaluation, out: Path, prefix: str, title: str, histogram: bool) -> list[Path]:
    from engine.evaluation.plots import confusion_matrix_png, histogram_png

    labels = label_set(task.targets, task.predictions)
    matrix = confusion_matrix(task.targets, task.predictions, labels)
    written = [confusion_matrix_png(out / f"{prefix}_confusion_matrix.png", labels, matrix, f"{title} confusion matrix")]
    if histogram:
        written.append(histogram_png(out / f"{prefix}_histogram.png", task.confidences, f"{title} prediction confidence"))
    return written


def _task_files(task: TaskEvaluation, out: Path, prefix: str, *, successes: bool, errors: bool) -> list[Path]:
    written = [write_json(out / f"{prefix}_report.json", task.scores.report)]
    if errors:
        written.append(write_json(out / f"{prefix}_errors.json", task.errors))
    if successes:
        written.append(write_json(out / f"{prefix}_successes.json", task.successes))
    return written


def _nlu_tasks(evaluation: NluEvaluation) -> list[tuple[TaskEvaluation, str, str, bool]]:
    """(task, file prefix, picture title, draw a histogram) for each scored task."""
    tasks = []
    if evaluation.intent is not None:
        tasks.append((evaluation.intent, INTENT_PREFIX, "Intent", True))
    tasks += [(task, name, f"{name} entity", False) for name, task in evaluation.entities.items()]
    if evaluation.response is not None:
        tasks.append((evaluation.response, RESPONSE_PREFIX, "Response selection", True))
    return tasks


def write_nlu_reports(
    evaluation: NluEvaluation, out: Path, *, successes: bool = False, errors: bool = True, plots: bool = True
) -> list[Path]:
    """Write the NLU report files (and, with ``plots``, the pictures) into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for task, prefix, _, _ in _nlu_tasks(evaluation):
        written += _task_files(task, out, prefix, successes=successes, errors=errors)
    if plots:
        written += write_nlu_pictures(evaluation, out)
    return written


def write_nlu_pictures(evaluation: NluEvaluation, out: Path) -> list[Path]:
    """Draw the NLU confusion matrices and confidence histograms into ``out``.

    Raises:
        PlottingUnavailable: matplotlib is not installed.
    """
    written: list[Path] = []
    for task, prefix, title, histogram in _nlu_tasks(evaluation):
        written += _pictures(task, out, prefix, title, histogram)
    return written


def write_core_reports(
    evaluation: StoryEvaluation, out: Path, *, successes: bool = False, plots: bool = True
) -> list[Path]:
    """Write the story report files (and, with ``plots``, the confusion matrix) into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    written = [write_json(out / STORY_REPORT, evaluation.story_report())]
    failed = out / FAILED_STORIES
    failed.write_text(render_stories(evaluation.failed), encoding="utf-8")
    written.append(failed)
    if successes:
        passed = out / SUCCESSFUL_STORIES
        passed.write_text(
            render_stories([s for s in evaluation.stories if not s.failed],
                           empty_note="# None of the test stories passed.\n"),
            encoding="utf-8",
        )
        written.append(passed)
    if plots:
        written += write_core_pictures(evaluation, out)
    return written


def write_core_pictures(evaluation: StoryEvaluation, out: Path) -> list[Path]:
    """Draw the action confusion matrix into ``out``.

    Raises:
        PlottingUnavailable: matplotlib is not installed.
    """
    from engine.evaluation.plots import confusion_matrix_png

    labels = label_set(evaluation.targets, evaluation.predictions)
    matrix = confusion_matrix(evaluation.targets, evaluation.predictions, labels)
    return [confusion_matrix_png(out / STORY_MATRIX, labels, matrix, "Action confusion matrix")]
