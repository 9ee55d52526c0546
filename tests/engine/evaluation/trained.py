"""Train the fixture bots once per test session (in-process, a few seconds each)."""
from __future__ import annotations

import atexit
import shutil
import tempfile
from functools import lru_cache
from pathlib import Path

from tests.conftest import FIXTURES

TINYBOT = FIXTURES / "bots" / "tinybot"
CHATBOT = FIXTURES / "bots" / "chatbot"


@lru_cache(maxsize=None)
def trained_archive(project: Path, training_type: str = "both") -> Path:
    """Train ``project`` into a temporary folder and return the archive (cached per session)."""
    from engine.data.loader import load_project
    from engine.training.trainer import train_project

    out = Path(tempfile.mkdtemp(prefix="parley-eval-test-"))
    atexit.register(shutil.rmtree, out, ignore_errors=True)
    data = load_project(project / "config.yml", project / "domain.yml", [project / "data"])
    return train_project(data, out, training_type=training_type, progress=lambda line: None).path


def loaded(project: Path, training_type: str = "both"):  # type: ignore[no-untyped-def]
    """The loaded model of ``project`` (a fresh object each call)."""
    from engine.models.loader import load_model

    return load_model(trained_archive(project, training_type))
