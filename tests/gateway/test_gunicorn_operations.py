"""A real gunicorn gateway with 2 workers: JSON access log, /metrics of all workers, graceful stop."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import orjson
import pytest

from tests.conftest import REPO, free_port
from tests.gateway.fake_engine import FakeEngineServer

pytestmark = pytest.mark.integration


def start_gunicorn(engine_server: FakeEngineServer, log_path: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {
        **os.environ,
        "PARLEY_BIND": f"127.0.0.1:{port}",
        "ENGINE_ADDRESS": engine_server.address,
        "PARLEY_ENABLE_API": "true",
        "AUTH_TOKEN": "s3cret",
        "WEB_CONCURRENCY": "2",
        "PARLEY_ACCESS_LOG": "json",
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "python:gateway.gunicorn_conf", "gateway.app:get_app()"],
            cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            httpx.get(base + "/", timeout=1)
            return process, base
        except httpx.TransportError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail("gunicorn did not start:\n" + log_path.read_text())
            time.sleep(0.2)


def test_access_log_metrics_and_graceful_stop(engine_server: FakeEngineServer, tmp_path: Path) -> None:
    engine_server.engine.reset()
    log_path = tmp_path / "gunicorn.log"
    process, base = start_gunicorn(engine_server, log_path)
    try:
        with httpx.Client(base_url=base, timeout=10) as client:
            for _ in range(20):  # new connections: both workers get some
                assert httpx.get(base + "/status?token=s3cret", timeout=10).status_code == 200
            text = client.get("/metrics").text
        total = sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
                    if line.startswith('parley_gateway_requests_total{') and 'route="/status"' in line)
        assert total == 20, "every worker's requests are in one /metrics answer"

        engine_server.engine.delay = 1.0
        answers: list[int] = []
        caller = threading.Thread(target=lambda: answers.append(
            httpx.get(base + "/status?token=s3cret", timeout=20).status_code))
        caller.start()
        while len(engine_server.engine.requests) < 21:  # wait until the engine holds the request
            time.sleep(0.01)
        process.send_signal(signal.SIGTERM)
        caller.join(20)
        assert answers == [200], "the in-flight request finishes during a graceful stop"
        assert process.wait(20) == 0
    finally:
        engine_server.engine.reset()
        if process.poll() is None:
            process.kill()
            process.wait()
    lines = [orjson.loads(line) for line in log_path.read_text().splitlines() if line.startswith("{")]
    status_lines = [entry for entry in lines if entry["route"] == "/status"]
    assert len(status_lines) == 21
    assert all(entry["query"] == "token=***" for entry in status_lines)
    assert "s3cret" not in log_path.read_text()
