"""Shared test fixtures: reference data location, free ports, service probes."""
from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = (REPO.parent / "shared").resolve()
BOTS = SHARED / "data" / "bots"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def shared_path(*parts: str) -> Path:
    """Return a path under ../shared, skipping the test when it is absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"reference data not available: {path} (it lies in ../shared beside the repo)")
    return path


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def in_ci() -> bool:
    """Whether the tests run under CI (a missing service is then a failure)."""
    return os.environ.get("CI", "").lower() == "true"


@pytest.fixture
def bots_dir() -> Path:
    """The reference bots directory (skips when ../shared is absent)."""
    return shared_path("data", "bots")
