"""Fixtures that train bots and start real Parley processes on loopback."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Iterator

import pytest

from bench.harness import RunningParley, parley_command, start_parley
from tests.conftest import REPO


def train(project: Path, out: Path, *extra: str) -> Path:
    """Train ``project`` with the real CLI and return the archive path."""
    result = subprocess.run(
        parley_command(
            "train", "--config", str(project / "config.yml"), "--domain", str(project / "domain.yml"),
            "--data", str(project / "data"), "--out", str(out), *extra,
        ),
        capture_output=True, text=True, cwd=REPO,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    archives = sorted(out.glob("*.tar.gz"))
    assert archives, result.stdout
    return archives[-1]


@pytest.fixture
def run_parley(tmp_path: Path) -> Iterator:
    """Start ``parley run`` with the given flags; every process is stopped afterwards."""
    started: list[RunningParley] = []

    def start(*run_args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> RunningParley:
        running = start_parley(run_args, cwd=cwd or tmp_path, log_path=tmp_path / f"parley-{len(started)}.log",
                               env=env)
        started.append(running)
        return running

    yield start
    for running in started:
        running.stop()
