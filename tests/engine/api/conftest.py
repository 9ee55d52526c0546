"""Trained tinybot archives shared by the API tests (trained once per session)."""
from __future__ import annotations

from pathlib import Path

import pytest

from engine.agent import Agent
from engine.data.loader import load_project
from engine.models.loader import load_model
from engine.stores.lock.memory import InMemoryLockStore
from engine.stores.tracker.memory import InMemoryTrackerStore
from tests.conftest import FIXTURES

TINYBOT = FIXTURES / "bots" / "tinybot"


@pytest.fixture(scope="session")
def tinybot_archives(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Tinybot trained as a full model and as an NLU-only model."""
    from engine.training.trainer import train_project

    out = tmp_path_factory.mktemp("tinybot-models")
    project = load_project(TINYBOT / "config.yml", TINYBOT / "domain.yml", [TINYBOT / "data"])
    return {
        "both": train_project(project, out).path,
        "nlu": train_project(project, out, training_type="nlu").path,
    }


class Clock:
    """A settable clock for the agent."""

    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def make_agent(archive: Path | None, tmp_path: Path, clock: Clock | None = None) -> Agent:
    """An agent on in-memory stores serving ``archive`` (None: no model)."""
    return Agent(
        InMemoryTrackerStore(), InMemoryLockStore(), model=load_model(archive) if archive else None,
        clock=clock or Clock(), models_dir=tmp_path / "models",
    )
