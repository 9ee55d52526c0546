"""Fixtures for the ``engine.data`` tests: our tiny bot and a file writer."""
from __future__ import annotations

import shutil
import textwrap
from pathlib import Path
from typing import Callable

import pytest

REPO = Path(__file__).resolve().parents[3]
TINYBOT = REPO / "tests" / "fixtures" / "bots" / "tinybot"
SHARED_BOTS = REPO / ".." / "shared" / "data" / "bots"


@pytest.fixture
def tinybot(tmp_path: Path) -> Path:
    """A private copy of tests/fixtures/bots/tinybot that a test may edit."""
    target = tmp_path / "tinybot"
    shutil.copytree(TINYBOT, target)
    return target


@pytest.fixture
def write(tmp_path: Path) -> Callable[[str, str], Path]:
    """Write dedented text to ``tmp_path / name`` and return the path."""

    def _write(name: str, text: str) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    return _write
