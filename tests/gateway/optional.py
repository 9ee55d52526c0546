"""Module-level guards for tests that need an optional package."""
from __future__ import annotations

import importlib.util

import pytest

from tests.conftest import in_ci


def require(module: str, install: str) -> None:
    """Skip the calling test module loudly without ``module``; fail under CI.

    Args:
        module: Importable name, e.g. ``"socketio"``.
        install: What to install, for the message.
    """
    if importlib.util.find_spec(module) is not None:
        return
    message = (
        f"!!! {module} is not installed: these tests did NOT run; install {install} "
        "(under CI=true this is a failure)."
    )
    if in_ci():
        pytest.fail(message, pytrace=False)
    pytest.skip(message, allow_module_level=True)
