"""A real Parley deployment on loopback for the reliability tests.

Engines (``python -m engine``) and a gunicorn gateway run as separate
processes, as on a platform; private Redis / PostgreSQL servers can be
started so a test may kill and restart them without touching the shared
services.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import pytest

from bench.harness import free_port, wait_http
from engine.cli.gateway_cmd import gunicorn_argv
from engine.cli.run import wait_for_engine
from tests.conftest import REPO

GATEWAY_DEADLINE = 20.0
"""Deadline of each engine call in the gateway (PARLEY_ENGINE_TIMEOUT)."""


def _env(extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    env.update(extra)
    return env


@dataclass
class Proc:
    """A started process and its log file."""

    name: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> str:
        """What the process printed so far."""
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def alive(self) -> bool:
        """Whether the process still runs."""
        return self.process.poll() is None

    def stop(self, timeout: float = 30.0) -> None:
        """SIGTERM, then SIGKILL after ``timeout``."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def kill(self) -> None:
        """SIGKILL at once (a crash)."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def _spawn(name: str, argv: list[str], log_path: Path, env: dict[str, str], cwd: Path | None = None) -> Proc:
    log: IO[bytes] = open(log_path, "ab")
    try:
        process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=cwd or REPO)
    finally:
        log.close()
    return Proc(name, process, log_path)


@dataclass
class Cluster:
    """N engine processes behind one gunicorn gateway with several workers.

    Args:
        workdir: Logs and the endpoints file go here.
        model: Model archive or directory.
        endpoints: endpoints.yml text shared by every engine.
        engines: Number of engine processes.
        workers: Gateway worker processes.
    """

    workdir: Path
    model: Path
    endpoints: str
    engines: int = 2
    workers: int = 2
    engine_ports: list[int] = field(default_factory=list)
    metrics_ports: list[int] = field(default_factory=list)
    engine_procs: list[Proc | None] = field(default_factory=list)
    gateway: Proc | None = None
    base_url: str = ""

    def __post_init__(self) -> None:
        (self.workdir / "endpoints.yml").write_text(self.endpoints, encoding="utf-8")
        self.engine_ports = [free_port() for _ in range(self.engines)]
        self.metrics_ports = [free_port() for _ in range(self.engines)]
        self.engine_procs = [None] * self.engines

    def start(self) -> Cluster:
        """Start every engine, then the gateway."""
        for index in range(self.engines):
            self.start_engine(index)
        port = free_port()
        env = _env({
            "ENGINE_ADDRESS": ",".join(f"127.0.0.1:{p}" for p in self.engine_ports),
            "PARLEY_BIND": f"127.0.0.1:{port}",
            "WEB_CONCURRENCY": str(self.workers),
            "PARLEY_ENABLE_API": "true",
            "PARLEY_ENGINE_TIMEOUT": str(GATEWAY_DEADLINE),
            "PARLEY_ACCESS_LOG": "off",
        })
        self.gateway = _spawn("gateway", gunicorn_argv(), self.workdir / "gateway.log", env)
        self.base_url = f"http://127.0.0.1:{port}"
        try:
            wait_http(self.base_url + "/", self.gateway.process, 60)
        except Exception as ex:
            raise RuntimeError(f"the gateway did not start: {ex}\n{self.gateway.log()}") from ex
        return self

    def start_engine(self, index: int) -> Proc:
        """Start (or restart) engine ``index`` on its own port and wait until it is healthy."""
        address = f"127.0.0.1:{self.engine_ports[index]}"
        env = _env({
            "PARLEY_METRICS_PORT": str(self.metrics_ports[index]),
            "PARLEY_LOCK_WAIT": "15",
            "PARLEY_GRACEFUL_TIMEOUT": "5",
            "PARLEY_ENGINE_THREADS": "8",
        })
        argv = [sys.executable, "-m", "engine", "--address", address, "-m", str(self.model),
                "--endpoints", str(self.workdir / "endpoints.yml")]
        proc = _spawn(f"engine{index}", argv, self.workdir / f"engine{index}.log", env)
        self.engine_procs[index] = proc
        if not wait_for_engine(address, proc.process, 90):
            raise RuntimeError(f"engine {index} did not start:\n{proc.log()}")
        return proc

    def kill_engine(self, index: int) -> None:
        """kill -9 engine ``index``."""
        proc = self.engine_procs[index]
        if proc is not None:
            proc.kill()

    def engine_metrics(self, index: int) -> str:
        """Engine ``index``'s /metrics text ("" when it does not answer)."""
        try:
            url = f"http://127.0.0.1:{self.metrics_ports[index]}/metrics"
            with urllib.request.urlopen(url, timeout=5) as reply:
                return reply.read().decode()
        except OSError:
            return ""

    def gateway_metrics(self) -> str:
        """The gateway's /metrics text (every worker's samples)."""
        with urllib.request.urlopen(self.base_url + "/metrics", timeout=5) as reply:
            return reply.read().decode()

    def logs(self) -> str:
        """Tail of every process's log, for failure messages."""
        procs = [p for p in [*self.engine_procs, self.gateway] if p is not None]
        return "\n".join(f"--- {p.name} ---\n{p.log()[-3000:]}" for p in procs)

    def stop(self) -> None:
        """Stop the gateway, then the engines (SIGTERM: graceful)."""
        if self.gateway is not None:
            self.gateway.stop()
        for proc in self.engine_procs:
            if proc is not None:
                proc.stop()


def metric_sum(text: str, name: str, **labels: str) -> float:
    """Add up the samples of ``name`` whose labels include ``labels``."""
    total = 0.0
    for line in text.splitlines():
        if not line.startswith(name) or line.startswith("#"):
            continue
        head, _, value = line.rpartition(" ")
        series = head[len(name):]
        if series and not series.startswith("{"):
            continue
        if all(f'{k}="{v}"' in series for k, v in labels.items()):
            total += float(value)
    return total


class PrivateRedis:
    """A redis-server of our own on a free port, durable (AOF, fsync always) so it can be restarted."""

    def __init__(self, workdir: Path) -> None:
        if shutil.which("redis-server") is None:
            pytest.skip("redis-server is not installed: the Redis restart test needs its own server")
        self.dir = workdir / "redis"
        self.dir.mkdir(exist_ok=True)
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: Proc | None = None

    def start(self) -> None:
        """Start the server (again) on its port and data directory."""
        argv = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.dir),
                "--appendonly", "yes", "--appendfsync", "always", "--save", "", "--protected-mode", "no"]
        self.proc = _spawn("redis", argv, self.dir.parent / "redis.log", dict(os.environ))
        import redis

        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                redis.Redis.from_url(self.url, socket_timeout=1).ping()
                return
            except redis.RedisError:
                time.sleep(0.05)
        raise RuntimeError(f"private redis did not start:\n{self.proc.log()}")

    def kill(self) -> None:
        """kill -9 the server."""
        if self.proc is not None:
            self.proc.kill()

    def stop(self) -> None:
        """Stop the server."""
        if self.proc is not None:
            self.proc.stop()


class PrivatePostgres:
    """A PostgreSQL cluster of our own (initdb in a temporary directory) on a free port."""

    def __init__(self) -> None:
        self.bin = _postgres_bin()
        self.as_postgres = os.geteuid() == 0
        if self.as_postgres and shutil.which("runuser") is None:
            pytest.skip("running as root without runuser: cannot start a private PostgreSQL")
        self.root = Path(tempfile.mkdtemp(prefix="parley-pg-"))
        if self.as_postgres:
            import pwd

            try:
                user = pwd.getpwnam("postgres")
            except KeyError:
                shutil.rmtree(self.root)
                pytest.skip("no 'postgres' user to run a private PostgreSQL as")
            os.chown(self.root, user.pw_uid, user.pw_gid)
        self.port = free_port()
        self.url = f"postgresql+psycopg2://postgres@127.0.0.1:{self.port}/postgres"
        self._run(["initdb", "-D", str(self.root / "data"), "-A", "trust", "-U", "postgres", "--no-sync",
                   "-E", "UTF8"])

    def _run(self, argv: list[str]) -> None:
        command = [str(self.bin / argv[0]), *argv[1:]]
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, cwd=self.root)
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)} failed: {result.stdout}{result.stderr}")

    def start(self) -> None:
        """Start (or restart) the server."""
        options = (f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c max_connections=200")
        self._run(["pg_ctl", "-D", str(self.root / "data"), "-o", options, "-l", str(self.root / "log"),
                   "-w", "-t", "60", "start"])

    def crash(self) -> None:
        """Stop at once, as a crash does (immediate mode)."""
        self._run(["pg_ctl", "-D", str(self.root / "data"), "-m", "immediate", "-w", "stop"])

    def remove(self) -> None:
        """Stop the server if it runs and delete its files."""
        try:
            self._run(["pg_ctl", "-D", str(self.root / "data"), "-m", "immediate", "-w", "stop"])
        except RuntimeError:
            pass
        shutil.rmtree(self.root, ignore_errors=True)


def _postgres_bin() -> Path:
    found = shutil.which("pg_ctl")
    candidates = [Path(found).resolve().parent] if found else []
    candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    for directory in candidates:
        if (directory / "initdb").exists() and (directory / "pg_ctl").exists():
            return directory
    pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) are not installed")
    raise AssertionError  # pragma: no cover
