"""Training requests (``POST /model/train``): payload in, archive out.

The payload is one YAML document holding config, domain and data keys
(Rasa 3.x), or Rasa 2.x's JSON object whose ``config``, ``domain``,
``nlu``, ``stories`` and ``responses`` values are YAML texts. Markdown
training data (1.x/2.x) is refused with a 400 that says how to convert it.
"""
from __future__ import annotations

import inspect
import logging
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

import orjson

from engine.data.types import Project
from engine.errors import BadRequest, DataError

logger = logging.getLogger(__name__)

TRAINING_DATA_HELP = "https://rasa.com/docs/rasa/training-data-format"
CHUNK_BYTES = 1024 * 1024
_JSON_TEXT_KEYS = ("config", "domain", "nlu", "stories", "responses")
_MARKDOWN_HINT = (
    "Markdown training data is not supported; convert it to YAML (e.g. `rasa data convert nlu "
    "-f yaml` / `rasa data convert core -f yaml` with Rasa 2.x) and send the YAML texts."
)


@dataclass
class TrainingOptions:
    """How to train, from the query (wins) and the 2.x JSON body.

    Attributes:
        save_to_default_model_directory: Keep the archive in the models dir.
        force_training: Retrain even when nothing changed.
        augmentation: Story augmentation factor, if given.
        num_threads: Training threads, if given.
    """

    save_to_default_model_directory: bool | None = None
    force_training: bool | None = None
    augmentation: int | None = None
    num_threads: int | None = None


@dataclass
class TrainedArchive:
    """A trained archive to send; :meth:`cleanup` removes a temporary one.

    Attributes:
        path: The archive.
        temp_dir: Directory to remove after sending, if the archive is temporary.
    """

    path: Path
    temp_dir: Path | None = field(default=None)

    def chunks(self, size: int = CHUNK_BYTES) -> Iterator[bytes]:
        """Yield the archive's bytes in pieces of ``size``."""
        with open(self.path, "rb") as archive:
            while piece := archive.read(size):
                yield piece

    def cleanup(self) -> None:
        """Remove the temporary directory, if any."""
        if self.temp_dir is not None:
            shutil.rmtree(self.temp_dir, ignore_errors=True)


def _invalid(ex: DataError | BadRequest) -> BadRequest:
    return BadRequest(
        f"The request body does not contain valid training data: {ex.message}",
        details=ex.details or None,
        help=TRAINING_DATA_HELP,
    )


def _decode(payload: bytes) -> str:
    try:
        return payload.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BadRequest("The training payload is not UTF-8 text.", help=TRAINING_DATA_HELP) from None


def _json_2x(text: str) -> dict[str, Any] | None:
    """Return the 2.x JSON training object, or None when the text is not one."""
    if not text.lstrip().startswith("{"):
        return None
    try:
        doc = orjson.loads(text)
    except orjson.JSONDecodeError:
        return None
    if isinstance(doc, dict) and any(isinstance(doc.get(k), str) for k in _JSON_TEXT_KEYS):
        return doc
    return None


def project_from_payload(payload: bytes, payload_format: str = "") -> tuple[Project, TrainingOptions]:
    """Build the project a training payload describes.

    Args:
        payload: The request body.
        payload_format: ``"yaml"``, ``"json"`` (2.x object) or ``""`` (decide
            from the content).

    Returns:
        The project and the options the 2.x body carries.

    Raises:
        BadRequest: Empty, not UTF-8, invalid YAML, Markdown data, or a 2.x
            body missing ``config``, data, or a domain for stories.
    """
    from engine.data.training_payload import load_project_from_yaml

    text = _decode(payload)
    if not text.strip():
        raise BadRequest("The training payload is empty.", details={"parameter": "body", "in": "body"},
                         help=TRAINING_DATA_HELP)
    legacy = _json_2x(text) if payload_format != "yaml" else None
    if payload_format == "json" and legacy is None:
        raise BadRequest(
            "The training payload is not a JSON object with the 2.x keys "
            "'config', 'domain', 'nlu', 'stories', 'responses'.", help=TRAINING_DATA_HELP
        )
    try:
        if legacy is not None:
            return _project_from_2x(legacy)
        return load_project_from_yaml(text), TrainingOptions()
    except DataError as ex:
        raise _invalid(ex) from None


def _project_from_2x(doc: dict[str, Any]) -> tuple[Project, TrainingOptions]:
    from engine.data.format_version import accept_format_version
    from engine.data.training_payload import project_from_doc

    if not doc.get("config"):
        raise BadRequest("The training request needs the key 'config'.",
                         details={"parameter": "config", "in": "body"})
    if not doc.get("nlu") and not doc.get("stories"):
        raise BadRequest("The training request needs training data: add 'nlu' and/or 'stories'.",
                         details={"parameters": ["nlu", "stories"], "in": "body"})
    if doc.get("stories") and not doc.get("domain"):
        raise BadRequest("Training on stories needs the 'domain' too.",
                         details={"parameter": "domain", "in": "body"})
    merged: dict[str, Any] = {}
    for key in _JSON_TEXT_KEYS:
        value = doc.get(key)
        if value is None or value == "":
            continue
        part = value if isinstance(value, dict) else _yaml_part(value, key)
        if not accept_format_version(part, file=f"'{key}'"):
            raise BadRequest(f"The '{key}' text has a format version Parley cannot read.",
                             details={"parameter": key, "in": "body"})
        _merge(merged, {k: v for k, v in part.items() if k != "version"})
    options = TrainingOptions(
        save_to_default_model_directory=_optional_bool(doc, "save_to_default_model_directory"),
        force_training=_optional_bool(doc, "force"),
    )
    return project_from_doc(merged, file="training payload"), options


def _yaml_part(value: Any, key: str) -> dict[str, Any]:
    from engine.data.yaml_io import read_yaml_text

    if not isinstance(value, str):
        raise BadRequest(f"'{key}' must be YAML text.", details={"parameter": key, "in": "body"})
    if _looks_like_markdown(value):
        raise BadRequest(f"The '{key}' data is Markdown. {_MARKDOWN_HINT}",
                         details={"parameter": key, "in": "body"})
    part = read_yaml_text(value, file=f"'{key}'")
    if not isinstance(part, dict):
        raise BadRequest(f"The '{key}' data is not a YAML mapping. {_MARKDOWN_HINT}",
                         details={"parameter": key, "in": "body"})
    return part


def _looks_like_markdown(text: str) -> bool:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return bool(lines) and any(
        line.startswith(("## ", "* ", "> ")) for line in lines[:20]
    ) and not any(line.startswith(("nlu:", "stories:", "rules:", "version:")) for line in lines)


def _merge(target: dict[str, Any], part: dict[str, Any]) -> None:
    for key, value in part.items():
        if isinstance(value, list) and isinstance(target.get(key), list):
            target[key] = [*target[key], *value]
        elif isinstance(value, dict) and isinstance(target.get(key), dict):
            target[key] = {**target[key], **value}
        else:
            target[key] = value


def _optional_bool(doc: dict[str, Any], key: str) -> bool | None:
    value = doc.get(key)
    return value if isinstance(value, bool) else None


def _trainer_options(options: TrainingOptions) -> dict[str, Any]:
    """Pass augmentation and threads on when the trainer takes them."""
    from engine.training.trainer import train_project

    accepted = inspect.signature(train_project).parameters
    extra: dict[str, Any] = {}
    for name, value in (("augmentation_factor", options.augmentation), ("num_threads", options.num_threads)):
        if value is not None and name in accepted:
            extra[name] = value
    return extra


def _reporter(progress: Callable[[str], None] | None) -> Callable[[str], None]:
    """Log each stage and pass it on to ``progress``."""

    def report(stage: str) -> None:
        logger.info("%s", stage)
        if progress is not None:
            progress(stage)

    return report


def train_payload(
    project: Project,
    options: TrainingOptions,
    models_dir: Path,
    progress: Callable[[str], None] | None = None,
) -> TrainedArchive:
    """Train ``project``; the archive goes to ``models_dir`` or a temporary directory.

    ``progress`` receives each training stage (shown by ``/status``).

    Raises:
        TrainingError: Training failed or had nothing to train.
        BadRequest: The domain or config is invalid.
    """
    from engine.training.trainer import train_project

    keep = options.save_to_default_model_directory is not False
    out = models_dir if keep else Path(tempfile.mkdtemp(prefix="parley-trained-"))
    try:
        result = train_project(
            project, out, force=bool(options.force_training), progress=_reporter(progress),
            **_trainer_options(options),
        )
    except DataError as ex:
        if not keep:
            shutil.rmtree(out, ignore_errors=True)
        raise _invalid(ex) from None
    except BaseException:
        if not keep:
            shutil.rmtree(out, ignore_errors=True)
        raise
    return TrainedArchive(result.path, None if keep else out)
