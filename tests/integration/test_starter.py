"""The README's first command: the starter bot, served by `parley run`."""
from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from bench.harness import parley_command
from tests.conftest import REPO

pytestmark = pytest.mark.integration


def init_starter(directory: Path) -> None:
    result = subprocess.run(parley_command("init", "--no-prompt", str(directory)),
                            capture_output=True, text=True, cwd=REPO)
    assert result.returncode == 0, result.stdout + result.stderr
    assert list((directory / "models").glob("*.tar.gz"))


def test_init_is_repeatable_and_does_not_retrain(tmp_path: Path) -> None:
    project = tmp_path / "starter"
    init_starter(project)
    first = sorted((project / "models").glob("*.tar.gz"))
    again = subprocess.run(parley_command("init", "--no-prompt", str(project)),
                           capture_output=True, text=True, cwd=REPO)
    assert again.returncode == 0, again.stderr
    assert "not retraining" in again.stdout
    assert sorted((project / "models").glob("*.tar.gz")) == first


def test_starter_bot_answers_on_the_rest_webhook(tmp_path: Path, run_parley) -> None:
    project = tmp_path / "starter"
    init_starter(project)
    server = run_parley("--enable-api", cwd=project)
    with httpx.Client(base_url=server.base_url, timeout=30) as client:
        assert client.get("/").text.startswith("Hello from Parley: ")
        reply = client.post("/webhooks/rest/webhook", json={"sender": "a", "message": "hello"})
        assert reply.status_code == 200
        messages = reply.json()
        assert messages and messages[0]["recipient_id"] == "a"
        assert "Parley" in messages[0]["text"] or "Hello" in messages[0]["text"]
        assert [b["payload"] for b in messages[0]["buttons"]] == ["/affirm", "/deny"]
        skills = client.post("/webhooks/rest/webhook", json={"sender": "a", "message": "/affirm"}).json()
        assert "I can greet you" in skills[0]["text"]
        status = client.get("/status").json()
        assert status["model_file"].endswith(".tar.gz") and len(status["model_id"]) == 32


def test_run_stops_with_a_clear_message_when_the_engine_dies(tmp_path: Path, run_parley) -> None:
    project = tmp_path / "starter"
    init_starter(project)
    server = run_parley(cwd=project)
    children = subprocess.run(["pgrep", "-P", str(server.process.pid)], capture_output=True, text=True).stdout.split()
    engine = [pid for pid in children
              if Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[1:3] == [b"-m", b"engine"]]
    assert len(engine) == 1, children
    os.kill(int(engine[0]), signal.SIGKILL)
    deadline = time.monotonic() + 30
    while server.process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.1)
    assert server.process.returncode == 1
    assert "engine process exited" in server.log()
    # the gateway was stopped too: the port no longer answers
    with pytest.raises(httpx.TransportError):
        httpx.get(server.base_url + "/", timeout=2)
