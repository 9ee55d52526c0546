"""Start and stop real Parley processes on loopback (used by bench and tests)."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def parley_command(*args: str) -> list[str]:
    """Return the argv running the ``parley`` CLI with this interpreter."""
    return [sys.executable, "-m", "engine.cli.main", *args]


@dataclass
class RunningParley:
    """A ``parley run`` process serving on ``base_url``."""

    process: subprocess.Popen[bytes]
    base_url: str
    log_path: Path

    def log(self) -> str:
        """Return what the processes printed so far."""
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self, timeout: float = 30.0) -> int:
        """Stop both processes (SIGTERM to the supervisor) and return its exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        return self.process.returncode


def wait_http(url: str, process: subprocess.Popen[bytes], timeout: float) -> float:
    """Wait until ``url`` answers 200; return the seconds it took."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if process.poll() is not None:
            raise RuntimeError(f"parley exited with code {process.returncode} before serving")
        try:
            with urllib.request.urlopen(url, timeout=1) as reply:
                if reply.status == 200:
                    return time.monotonic() - started
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"{url} did not answer within {timeout:.0f} s")


def start_parley(
    run_args: Sequence[str],
    *,
    cwd: Path,
    log_path: Path,
    port: int | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 90.0,
) -> RunningParley:
    """Start ``parley run`` on 127.0.0.1 and wait until it answers ``GET /``."""
    port = port or free_port()
    argv = parley_command("run", "-i", "127.0.0.1", "-p", str(port), *run_args)
    full_env = {**os.environ, **(env or {})}
    repo = str(Path(__file__).resolve().parent.parent)
    full_env["PYTHONPATH"] = os.pathsep.join(filter(None, [repo, full_env.get("PYTHONPATH")]))
    log = open(log_path, "ab")
    process = subprocess.Popen(argv, cwd=cwd, stdout=log, stderr=subprocess.STDOUT, env=full_env,
                               start_new_session=True)
    log.close()
    running = RunningParley(process, f"http://127.0.0.1:{port}", log_path)
    try:
        wait_http(running.base_url + "/", process, timeout)
    except Exception:
        running.stop()
        raise RuntimeError(f"parley did not start:\n{running.log()}")
    return running
