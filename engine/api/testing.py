"""Evaluation requests: ``/model/test/stories`` and ``/model/test/intents``.

The bodies are read here (YAML test stories; YAML NLU data, optionally
with a pipeline config for cross-validation; or Rasa's JSON NLU data
``{"rasa_nlu_data": {...}}``); the reports come from
:mod:`engine.evaluation`, imported only when a request needs it.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from engine.data.types import NluData, Story
from engine.errors import BadRequest, DataError, EngineError

if TYPE_CHECKING:
    from engine.models.loader import Model
    from outbound import OutboundPolicy

logger = logging.getLogger(__name__)

STORIES_FILE = "test stories"
NLU_FILE = "NLU test data"
TESTING_HELP = "https://rasa.com/docs/rasa/testing-your-assistant"


class TestingError(BadRequest):
    """A test request that cannot be evaluated as asked (HTTP 400 ``TestingError``)."""

    __test__ = False  # not a pytest test class

    def __init__(self, message: str) -> None:
        super().__init__(message, reason="TestingError", help=TESTING_HELP)


def _text(payload: bytes, what: str) -> str:
    if not payload or not payload.strip():
        raise BadRequest(f"The request body is empty: send the {what}.", details={"parameter": "body", "in": "body"})
    try:
        return payload.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BadRequest(f"The {what} are not UTF-8 text.") from None


def _yaml_doc(text: str, file: str) -> dict[str, Any]:
    from engine.data.yaml_io import read_yaml_text

    try:
        doc = read_yaml_text(text, file=file)
    except DataError as ex:
        raise BadRequest(f"The request body does not contain valid YAML: {ex.message}") from None
    if not isinstance(doc, dict):
        raise BadRequest(f"The {file} must be a YAML mapping (e.g. with 'stories:' or 'nlu:').")
    return doc


def read_test_stories(payload: bytes) -> list[Story]:
    """Read the test stories (and rules) of a YAML body.

    Raises:
        BadRequest: Empty, not YAML, or without any story.
    """
    from engine.data.assemble import ProjectAssembler

    doc = _yaml_doc(_text(payload, "test stories"), STORIES_FILE)
    assembler = ProjectAssembler()
    try:
        assembler.add_data_doc(doc, file=STORIES_FILE, test=True)
    except DataError as ex:
        raise BadRequest(ex.message) from None
    if not assembler.test_stories:
        raise BadRequest("The request body holds no stories: send YAML with a 'stories:' section.")
    return assembler.test_stories


def evaluate_stories(model: Model, payload: bytes, *, e2e: bool = False) -> dict[str, Any]:
    """Evaluate ``model``'s dialogue policies on the test stories in ``payload``."""
    from engine.evaluation.stories import evaluate_stories as evaluate

    stories = read_test_stories(payload)
    return _evaluated(lambda: evaluate(model, stories, e2e=e2e))


def read_nlu_payload(payload: bytes, payload_format: str) -> tuple[NluData, dict[str, Any]]:
    """Read NLU test data and the config in it (for cross-validation).

    Args:
        payload: The body.
        payload_format: ``"json"`` for ``{"rasa_nlu_data": ...}``, else YAML.

    Returns:
        The NLU data and the config of the document (Rasa's defaults where
        it names no pipeline).
    """
    text = _text(payload, "NLU test data")
    if payload_format == "json":
        from engine.api.nlu_json import read_rasa_nlu_json

        return read_rasa_nlu_json(text), {}
    from engine.data.training_payload import project_from_doc

    doc = _yaml_doc(text, NLU_FILE)
    try:
        project = project_from_doc(doc, file=NLU_FILE)
    except DataError as ex:
        raise BadRequest(ex.message) from None
    return project.nlu, project.config


def evaluate_intents(
    loaded: Model | None, payload: bytes, payload_format: str = "", *, model: str = "", folds: int = 0,
    models_dir: Path = Path("models"), policy: OutboundPolicy | None = None,
) -> dict[str, Any]:
    """Evaluate NLU on the payload's data, or cross-validate its pipeline.

    Args:
        loaded: The served model (None when none is loaded).
        payload: The body.
        payload_format: ``"json"`` or YAML (anything else).
        model: Path or URL of another model to evaluate; ``loaded`` stays.
        folds: Cross-validation folds (YAML only; the body's pipeline, or
            the default one); 0 for none.
        models_dir: The only directory a ``model`` path may point into.
        policy: Which hosts a ``model`` URL may name.

    Raises:
        TestingError: Cross-validation asked with a JSON body.
        BadRequest: Invalid data, or ``model`` cannot be loaded.
        NoModelLoaded: No model is loaded and none is named.
    """
    if folds and payload_format == "json":
        raise TestingError("Cross-validation is only supported for YAML data.")
    data, config = read_nlu_payload(payload, payload_format)
    from engine.evaluation import nlu

    if folds:
        if folds < 2:
            raise TestingError("'cross_validation_folds' must be at least 2.")
        return _evaluated(lambda: nlu.cross_validate(config, data, folds))
    if model:
        from engine.api.model_source import load_reference

        target = load_reference(model, models_dir=models_dir, policy=policy)
    elif loaded is not None:
        target = loaded
    else:
        from engine.errors import NoModelLoaded

        raise NoModelLoaded()
    return _evaluated(lambda: nlu.evaluate_intents(target, data))


def _evaluated(run: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    try:
        report = run()
    except EngineError:
        raise
    except Exception as ex:  # report the failure as Rasa's TestingError, keep the trace in the log
        logger.exception("evaluation failed")
        raise EngineError(f"The evaluation failed: {ex}", reason="TestingError") from ex
    return report
