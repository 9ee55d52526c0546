"""Gunicorn configuration of the gateway's ``web`` process.

Usage: ``gunicorn -c gateway/gunicorn_conf.py 'gateway.app:get_app()'``.

Gunicorn executes this file and reads its module globals, so this is the
one module that reads the environment when loaded (it *is* the process
edge). Variables:

- ``PORT`` (default 5005): bind ``0.0.0.0:$PORT``;
- ``PARLEY_BIND`` overrides the whole bind address, e.g. ``127.0.0.1:5005``;
- ``WEB_CONCURRENCY`` (alias ``SANIC_WORKERS``, default 1): worker processes;
- ``PARLEY_GRACEFUL_TIMEOUT`` (default 30): seconds to finish requests on stop;
- ``PROMETHEUS_MULTIPROC_DIR``: where workers share metric samples (a fresh
  temporary directory when unset), so ``/metrics`` covers every worker.

The access log is written by the app (``PARLEY_ACCESS_LOG``: text, json or
off; tokens masked), so uvicorn's own, which prints query strings with
their tokens, is turned off here.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from typing import Any, Mapping, MutableMapping

DEFAULT_PORT = 5005
MULTIPROC_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"


def config_from_env(environ: Mapping[str, str]) -> dict[str, Any]:
    """Return gunicorn settings for the given environment.

    Raises:
        ValueError: A numeric variable is not a positive integer.
    """
    port = environ.get("PORT", "").strip() or str(DEFAULT_PORT)
    bind = environ.get("PARLEY_BIND", "").strip() or f"0.0.0.0:{port}"
    workers_raw = (
        environ.get("WEB_CONCURRENCY", "").strip()
        or environ.get("SANIC_WORKERS", "").strip()
        or "1"
    )
    return {
        "bind": [bind],
        "workers": _positive_int("WEB_CONCURRENCY", workers_raw),
        "worker_class": "gateway.worker.ParleyUvicornWorker",
        "accesslog": None,
        "errorlog": "-",
        "graceful_timeout": _positive_int(
            "PARLEY_GRACEFUL_TIMEOUT", environ.get("PARLEY_GRACEFUL_TIMEOUT", "").strip() or "30"
        ),
        # gunicorn >= 25 opens a control socket at one per-user path; several
        # gateways (or test runs) on a host would fight over it.
        "control_socket_disable": True,
    }


def _positive_int(name: str, raw: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{name} must be a positive integer, not '{raw}'.") from None
    if value < 1:
        raise ValueError(f"{name} must be a positive integer, not '{raw}'.")
    return value


def prepare_metrics_dir(environ: MutableMapping[str, str]) -> tuple[str, bool]:
    """Point ``PROMETHEUS_MULTIPROC_DIR`` at an empty directory before workers start.

    Returns:
        The directory, and whether it was created here (and is removed on exit).
    """
    given = environ.get(MULTIPROC_VARIABLE, "").strip()
    if given:
        os.makedirs(given, exist_ok=True)
        # Samples of a previous run would be added to this one's.
        for name in os.listdir(given):
            if name.endswith(".db"):
                os.unlink(os.path.join(given, name))
        return given, False
    created = tempfile.mkdtemp(prefix="parley-gateway-metrics-")
    environ[MULTIPROC_VARIABLE] = created
    return created, True


_metrics_state: dict[str, Any] = {}


def on_starting(server: Any) -> None:
    """Gunicorn hook (master, before any worker): prepare the metrics directory."""
    directory, created = prepare_metrics_dir(os.environ)
    _metrics_state.update(directory=directory, created=created)


def child_exit(server: Any, worker: Any) -> None:
    """Gunicorn hook: fold a dead worker's live gauges out of ``/metrics``."""
    from prometheus_client import multiprocess

    if _metrics_state.get("directory"):
        multiprocess.mark_process_dead(worker.pid, _metrics_state["directory"])


def on_exit(server: Any) -> None:
    """Gunicorn hook: remove the metrics directory this configuration created."""
    if _metrics_state.get("created"):
        shutil.rmtree(_metrics_state["directory"], ignore_errors=True)


_config = config_from_env(os.environ)
bind = _config["bind"]
workers = _config["workers"]
worker_class = _config["worker_class"]
accesslog = _config["accesslog"]
errorlog = _config["errorlog"]
graceful_timeout = _config["graceful_timeout"]
control_socket_disable = _config["control_socket_disable"]
