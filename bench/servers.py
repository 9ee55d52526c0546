"""The servers a benchmark measures: Parley (``parley run``) and, optionally, Rasa.

Both are started on 127.0.0.1 with the moodbot; a :class:`Server` knows its
base URL and which processes to read memory and CPU from.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from bench.harness import free_port, parley_command, start_parley, wait_http
from bench.procs import command_line, descendants, parent_pid, rss_bytes

REPO = Path(__file__).resolve().parent.parent
MOODBOT = REPO.parent / "shared" / "data" / "bots" / "moodbot"
RASA_VARIABLE = "PARLEY_BENCH_RASA"
# Rasa's moodbot project (``rasa init``) is kept here between runs: it takes ~1 min to train.
RASA_PROJECT_VARIABLE = "PARLEY_BENCH_RASA_PROJECT"


@dataclass
class Server:
    """A running server under test.

    Attributes:
        name: "parley" or "rasa".
        base_url: ``http://127.0.0.1:<port>``.
        root_pid: The process started (supervisor for Parley).
        startup_seconds: From start to the first answered ``GET /``.
    """

    name: str
    base_url: str
    root_pid: int
    startup_seconds: float = 0.0

    def pids(self) -> list[int]:
        """Return every process of the server."""
        return [self.root_pid, *descendants(self.root_pid)]

    def pids_by_role(self) -> dict[str, list[int]]:
        """Return the processes as ``{"engine": [...], "gateway": [...]}`` (Rasa: all "engine")."""
        roles: dict[str, list[int]] = {"engine": [], "gateway": []}
        for pid in self.pids():
            gateway = self.name == "parley" and "gunicorn" in command_line(pid)
            roles["gateway" if gateway else "engine"].append(pid)
        return roles

    def engine_rss(self) -> int:
        """Return the RSS of the process holding the model, in bytes."""
        for pid in self.pids():
            if self.name == "rasa" or " -m engine " in command_line(pid) + " ":
                return rss_bytes(pid)
        return 0

    def worker_rss(self) -> list[int]:
        """Return the RSS of each gateway worker (Parley only), in bytes."""
        # A worker is a gunicorn process whose parent is the gunicorn master.
        return [rss_bytes(pid) for pid in self.pids()
                if "gunicorn" in command_line(pid) and "gunicorn" in command_line(parent_pid(pid))]


def train_parley(bot: Path, out: Path) -> tuple[float, int]:
    """Run ``parley train --force`` on ``bot``; return (wall seconds, peak RSS bytes)."""
    argv = parley_command("train", "--force", "--config", str(bot / "config.yml"), "--domain",
                          str(bot / "domain.yml"), "--data", str(bot / "data"), "--out", str(out), "--quiet")
    return _timed_child(argv, REPO, {"PYTHONPATH": str(REPO)})


def _timed_child(argv: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, int]:
    """Run ``argv``; return its wall time and the peak RSS of it or its children."""
    with tempfile.TemporaryFile() as errors:
        started = time.perf_counter()
        process = subprocess.Popen(argv, cwd=cwd, env={**os.environ, **env}, stdout=subprocess.DEVNULL,
                                   stderr=errors)
        # wait4 gives the child's own resource usage (peak RSS), which Popen.wait does not.
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode:
            errors.seek(0)
            tail = errors.read().decode(errors="replace")[-2000:]
            raise RuntimeError(f"{' '.join(argv[:4])} failed with exit code {process.returncode}:\n{tail}")
    return elapsed, usage.ru_maxrss * 1024


@contextmanager
def parley_server(model_dir: Path, workdir: Path, *, workers: int = 1) -> Iterator[Server]:
    """Serve ``model_dir`` with ``parley run --enable-api`` on a free port."""
    started = time.monotonic()
    running = start_parley(["-m", str(model_dir), "--enable-api", "--quiet", "--workers", str(workers)],
                           cwd=workdir, log_path=workdir / "parley.log")
    server = Server("parley", running.base_url, running.process.pid, time.monotonic() - started)
    try:
        yield server
    finally:
        running.stop()


def rasa_executable() -> Path | None:
    """Return the Rasa executable named by ``PARLEY_BENCH_RASA``, if any.

    The variable may name the ``rasa`` script or the virtualenv holding it.
    """
    given = os.environ.get(RASA_VARIABLE, "").strip()
    if not given:
        return None
    path = Path(given)
    if path.is_dir():
        path = path / "bin" / "rasa"
    if not path.exists():
        raise FileNotFoundError(f"{RASA_VARIABLE}={given}: no rasa executable there")
    return path


def rasa_env() -> dict[str, str]:
    """Return the environment every Rasa command runs with (telemetry off)."""
    return {"RASA_TELEMETRY_ENABLED": "false"}


def rasa_project(rasa: Path) -> Path:
    """Return Rasa's moodbot project (``rasa init``), creating it on first use."""
    default = Path(os.environ.get("TMPDIR", "/tmp")) / "parley-bench-rasa-moodbot"
    project = Path(os.environ.get(RASA_PROJECT_VARIABLE, "") or default)
    if not any(project.glob("models/*.tar.gz")):
        shutil.rmtree(project, ignore_errors=True)
        project.mkdir(parents=True)
        subprocess.run([str(rasa), "init", "--no-prompt"], cwd=project, check=True,
                       env={**os.environ, **rasa_env()}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return project


def train_rasa(rasa: Path, project: Path, out: Path) -> tuple[float, int]:
    """Run ``rasa train --force`` on its moodbot; return (wall seconds, peak RSS bytes)."""
    return _timed_child([str(rasa), "train", "--force", "--out", str(out)], project, rasa_env())


@contextmanager
def rasa_server(rasa: Path, project: Path, workdir: Path) -> Iterator[Server]:
    """Serve Rasa's moodbot with ``rasa run --enable-api`` on a free port."""
    port = free_port()
    models = sorted(project.glob("models/*.tar.gz"))[-1]
    started = time.monotonic()
    with open(workdir / "rasa.log", "ab") as log:
        process = subprocess.Popen(
            [str(rasa), "run", "--enable-api", "-i", "127.0.0.1", "-p", str(port), "-m", str(models)],
            cwd=project, env={**os.environ, **rasa_env()}, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_http(base_url + "/", process, 300)
        yield Server("rasa", base_url, process.pid, time.monotonic() - started)
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, 9)
            process.wait()
