"""Start the test action server (rasa-sdk) as a subprocess on a free loopback port."""
from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import REPO, free_port


@dataclass
class ActionServerProcess:
    """A running rasa-sdk action server."""

    process: subprocess.Popen[bytes]
    url: str
    log_path: Path

    def stop(self) -> None:
        """Stop the server and wait for it."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_action_server(log_dir: Path, timeout: float = 60.0) -> ActionServerProcess:
    """Start ``rasa_sdk`` with tests/action_server/actions.py; skip when rasa-sdk is missing."""
    pytest.importorskip("rasa_sdk", reason="rasa-sdk (a test dependency) is not installed")
    port = free_port()
    log_path = log_dir / f"action-server-{port}.log"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "rasa_sdk", "--actions", "tests.action_server.actions", "--port", str(port)],
            cwd=REPO, stdout=log, stderr=subprocess.STDOUT, env=env,
        )
    server = ActionServerProcess(process, f"http://127.0.0.1:{port}/webhook", log_path)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the action server exited:\n{log_path.read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1) as reply:
                if reply.status == 200:
                    return server
        except OSError:
            time.sleep(0.1)
    server.stop()
    raise RuntimeError(f"the action server did not start:\n{log_path.read_text(errors='replace')}")
