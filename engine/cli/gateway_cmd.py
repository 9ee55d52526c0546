"""``parley gateway``: run the gateway alone (Procfile ``web:``)."""
from __future__ import annotations

import argparse
import os
import sys

GUNICORN_APP = "gateway.app:get_app()"
GUNICORN_CONFIG = "python:gateway.gunicorn_conf"


def gunicorn_argv(extra: list[str] | None = None) -> list[str]:
    """Return the command line that serves the gateway under gunicorn."""
    return [sys.executable, "-m", "gunicorn", "-c", GUNICORN_CONFIG, *(extra or []), GUNICORN_APP]


def run(args: argparse.Namespace) -> int:
    """Replace this process with gunicorn serving the gateway."""
    argv = gunicorn_argv([a for a in args.args if a != "--"])
    os.execv(argv[0], argv)
    return 0  # pragma: no cover - execv does not return
