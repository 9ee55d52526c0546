"""Gunicorn configuration, the worker class, and a real gunicorn run."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

import httpx
import pytest

from gateway.gunicorn_conf import config_from_env
from gateway.worker import ParleyUvicornWorker
from tests.conftest import REPO, free_port
from tests.gateway.fake_engine import FakeEngineServer


def test_defaults_bind_all_interfaces_on_5005_with_one_worker() -> None:
    config = config_from_env({})
    assert config["bind"] == ["0.0.0.0:5005"]
    assert config["workers"] == 1
    assert config["worker_class"] == "gateway.worker.ParleyUvicornWorker"
    assert config["accesslog"] is None  # the app writes the (token-masked) access log


def test_port_and_web_concurrency() -> None:
    config = config_from_env({"PORT": "8080", "WEB_CONCURRENCY": "3"})
    assert config["bind"] == ["0.0.0.0:8080"] and config["workers"] == 3


def test_parley_bind_overrides_port_and_sanic_workers_is_an_alias() -> None:
    config = config_from_env({"PORT": "8080", "PARLEY_BIND": "127.0.0.1:9000", "SANIC_WORKERS": "2"})
    assert config["bind"] == ["127.0.0.1:9000"] and config["workers"] == 2


@pytest.mark.parametrize("value", ["zero", "0", "-1"])
def test_bad_worker_count_is_a_clear_error(value: str) -> None:
    with pytest.raises(ValueError, match="WEB_CONCURRENCY"):
        config_from_env({"WEB_CONCURRENCY": value})


def test_worker_forces_uvloop_and_httptools() -> None:
    assert ParleyUvicornWorker.CONFIG_KWARGS["loop"] == "uvloop"
    assert ParleyUvicornWorker.CONFIG_KWARGS["http"] == "httptools"


@pytest.fixture
def gunicorn(engine_server: FakeEngineServer, tmp_path: Path) -> Iterator[str]:
    port = free_port()
    env = {
        **os.environ,
        "PARLEY_BIND": f"127.0.0.1:{port}",
        "ENGINE_ADDRESS": engine_server.address,
        "PARLEY_ENABLE_API": "true",
        "WEB_CONCURRENCY": "1",
    }
    log = (tmp_path / "gunicorn.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gateway/gunicorn_conf.py", "gateway.app:get_app()"],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(base + "/", timeout=1)
                break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    log.close()
                    pytest.fail("gunicorn did not start:\n" + (tmp_path / "gunicorn.log").read_text())
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@pytest.mark.integration
def test_real_gunicorn_serves_the_gateway(gunicorn: str, engine_server: FakeEngineServer) -> None:
    engine_server.engine.reset()
    version = httpx.get(gunicorn + "/version", timeout=10)
    assert version.status_code == 200
    assert version.json() == {"version": "9.9.9", "minimum_compatible_version": "9.0.0"}
    tracker = httpx.get(gunicorn + "/conversations/a%2Fb/tracker", timeout=10)
    assert tracker.json()["sender_id"] == "a/b"


def test_metrics_directory_is_prepared_before_workers_start(tmp_path: Path) -> None:
    from gateway.gunicorn_conf import MULTIPROC_VARIABLE, prepare_metrics_dir

    environ: dict[str, str] = {}
    created, fresh = prepare_metrics_dir(environ)
    assert fresh and environ[MULTIPROC_VARIABLE] == created and os.path.isdir(created)
    os.rmdir(created)
    given = tmp_path / "metrics"
    given.mkdir()
    (given / "counter_123.db").write_bytes(b"stale samples of an earlier run")
    directory, fresh = prepare_metrics_dir({MULTIPROC_VARIABLE: str(given)})
    assert directory == str(given) and not fresh and list(given.iterdir()) == []
