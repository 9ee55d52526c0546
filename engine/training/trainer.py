"""Train a loaded project into one model archive.

Training fits the NLU pipeline and the dialogue policies, then packs them
with the domain and metadata into ``<out>/<name>.tar.gz``. An unchanged
project (same fingerprint, same training type) is not retrained unless
forced: the existing archive is returned.
"""
from __future__ import annotations

import json
import logging
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from engine.data.types import Project
from engine.errors import NoTrainingData, TrainingError
from engine.models import archive
from engine.models.loader import CORE_DIR, DOMAIN_FILE, METADATA_FILE, NLU_DIR, read_metadata
from engine.models.metadata import ModelMetadata
from engine.version import parley_version

logger = logging.getLogger(__name__)

Progress = Callable[[str], None]
TRAINING_TYPES = ("both", "nlu", "core")


@dataclass
class TrainResult:
    """The outcome of a training run.

    Attributes:
        path: The archive holding the model.
        skipped: True when an existing archive was reused (nothing changed).
        seconds: Wall time spent.
    """

    path: Path
    skipped: bool
    seconds: float


def find_reusable(out_dir: Path, fingerprint: dict[str, str], training_type: str) -> Path | None:
    """Return the newest archive in ``out_dir`` trained from the same inputs."""
    if not out_dir.is_dir():
        return None
    candidates = sorted(
        (p for p in out_dir.iterdir() if p.name.endswith(archive.ARCHIVE_SUFFIX)),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    for path in candidates:
        meta = read_metadata(path)
        if meta and meta.fingerprint == fingerprint and meta.training_type == training_type:
            return path
    return None


def _fingerprint(project: Project, training_type: str) -> dict[str, str]:
    from engine.data.fingerprint import project_fingerprint

    fingerprint = dict(project_fingerprint(project))
    fingerprint["parley_version"] = parley_version()
    fingerprint["training_type"] = training_type
    return fingerprint


def train_project(
    project: Project,
    out_dir: str | Path,
    *,
    fixed_model_name: str | None = None,
    force: bool = False,
    training_type: str = "both",
    progress: Progress | None = None,
) -> TrainResult:
    """Train ``project`` and write the model archive into ``out_dir``.

    Args:
        project: The loaded project.
        out_dir: Directory for the archive (created if needed).
        fixed_model_name: Archive name without ``.tar.gz``; default is a
            fresh ``YYYYMMDD-HHMMSS-adjective-noun`` name.
        force: Retrain even when an archive of the same inputs exists.
        training_type: ``"both"``, ``"nlu"`` (NLU only) or ``"core"``
            (dialogue only).
        progress: Called with a short line per training stage.

    Raises:
        TrainingError: Nothing to train, or a part failed to train.
        DataError: The domain or config is invalid.
    """
    if training_type not in TRAINING_TYPES:
        raise TrainingError(f"Unknown training type '{training_type}'.")
    started = time.perf_counter()
    report = progress or (lambda line: logger.info("%s", line))
    out = Path(out_dir)
    fingerprint = _fingerprint(project, training_type)
    if not force:
        reusable = find_reusable(out, fingerprint, training_type)
        if reusable is not None:
            report(f"Nothing changed since {reusable.name}; not retraining (use --force to retrain).")
            return TrainResult(reusable, True, time.perf_counter() - started)

    from engine.conversation.domain import Domain

    domain = Domain.from_dict(project.domain)
    want_nlu = training_type in ("both", "nlu") and bool(project.nlu.examples)
    want_core = training_type in ("both", "core") and bool(project.stories or project.rules)
    if not want_nlu and not want_core:
        raise NoTrainingData(
            "No training data found: add NLU examples (nlu:) and/or stories or rules "
            "(stories:, rules:) to the data files."
        )
    actual_type = "both" if want_nlu and want_core else ("nlu" if want_nlu else "core")
    mappings: list[list[str]] = []
    components: dict[str, list[str]] = {}
    with tempfile.TemporaryDirectory(prefix="parley-train-") as tmp:
        work = Path(tmp)
        if want_nlu:
            components["nlu"] = _train_nlu(project, work / NLU_DIR, mappings, report)
        if want_core:
            components["policies"] = _train_core(project, domain, work / CORE_DIR, mappings, report)
        metadata = ModelMetadata(
            model_id=uuid.uuid4().hex,
            parley_version=parley_version(),
            trained_at=datetime.now(timezone.utc).isoformat(),
            training_type=actual_type,
            fingerprint=fingerprint,
            language=project.config.get("language"),
            assistant_id=project.config.get("assistant_id"),
            components=components,
            mappings=mappings,
        )
        (work / METADATA_FILE).write_text(json.dumps(metadata.as_dict(), indent=2), "utf-8")
        (work / DOMAIN_FILE).write_text(json.dumps(project.domain, default=str), "utf-8")
        if actual_type != "both" and training_type == "both":
            report(f"Only {actual_type.upper()} data found: training an {actual_type}-only model.")
        name = (
            f"{fixed_model_name}{archive.ARCHIVE_SUFFIX}"
            if fixed_model_name
            else archive.new_archive_name(actual_type)
        )
        if fixed_model_name and fixed_model_name.endswith(archive.ARCHIVE_SUFFIX):
            name = fixed_model_name
        path = archive.pack(work, out / name)
    seconds = time.perf_counter() - started
    report(f"Your Parley model is trained and saved at '{path}' ({seconds:.2f} s).")
    return TrainResult(path, False, seconds)


def _train_nlu(project: Project, directory: Path, mappings: list[list[str]], report: Progress) -> list[str]:
    from engine.nlu.pipeline import NluPipeline

    started = time.perf_counter()
    n_examples = len(project.nlu.examples)
    report(f"Training NLU pipeline on {n_examples} examples of {len(project.nlu.intents)} intents...")
    pipeline = NluPipeline.from_config(project.config)
    pipeline.fit(project.nlu, progress=lambda stage: report(f"  NLU: {stage}"))
    directory.mkdir(parents=True)
    pipeline.persist(directory)
    for rasa_name, ours in pipeline.mappings:
        report(f"  NLU: {rasa_name} -> {ours}")
        mappings.append([rasa_name, ours])
    report(f"NLU pipeline trained in {time.perf_counter() - started:.2f} s.")
    return [type(c).__name__ for c in getattr(pipeline, "components", [])]


def _train_core(
    project: Project, domain: object, directory: Path, mappings: list[list[str]], report: Progress
) -> list[str]:
    from engine.dialogue.ensemble import PolicyEnsemble

    started = time.perf_counter()
    report(f"Training dialogue policies on {len(project.stories)} stories and {len(project.rules)} rules...")
    ensemble = PolicyEnsemble.from_config(project.config.get("policies"))
    ensemble.fit(project.stories, project.rules, domain)  # type: ignore[arg-type]
    directory.mkdir(parents=True)
    ensemble.persist(directory)
    for rasa_name, ours in ensemble.mappings:
        report(f"  policies: {rasa_name} -> {ours}")
        mappings.append([rasa_name, ours])
    for rasa_name in getattr(ensemble, "dropped", []):
        report(f"  policies: {rasa_name} -> not used (no Parley equivalent needed)")
        mappings.append([rasa_name, "dropped"])
    report(f"Dialogue policies trained in {time.perf_counter() - started:.2f} s.")
    return [type(p).__name__ for p in getattr(ensemble, "policies", [])]
