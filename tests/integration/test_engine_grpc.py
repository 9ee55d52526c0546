"""Internal services can call the engine directly over gRPC."""
from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from bench.harness import free_port, parley_command
from protos import engine_pb2, engine_pb2_grpc
from tests.conftest import REPO

pytestmark = pytest.mark.integration


def start_engine(model: Path, address: str, log: Path) -> subprocess.Popen[bytes]:
    process = subprocess.Popen([sys.executable, "-m", "engine", "--address", address, "-m", str(model)],
                               cwd=REPO, stdout=open(log, "wb"), stderr=subprocess.STDOUT)
    with grpc.insecure_channel(address) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if stub.Check(health_pb2.HealthCheckRequest(), timeout=1).status == 1:
                    return process
            except grpc.RpcError:
                assert process.poll() is None, log.read_text()
                time.sleep(0.05)
    process.kill()
    raise TimeoutError(log.read_text())


@pytest.fixture(scope="module")
def starter_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = tmp_path_factory.mktemp("starter")
    result = subprocess.run(parley_command("init", "--no-prompt", str(project)), capture_output=True,
                            text=True, cwd=REPO)
    assert result.returncode == 0, result.stderr
    return next((project / "models").glob("*.tar.gz"))


@pytest.fixture(scope="module")
def engine(starter_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[engine_pb2_grpc.EngineStub]:
    address = f"127.0.0.1:{free_port()}"
    process = start_engine(starter_model, address, tmp_path_factory.mktemp("logs") / "engine.log")
    with grpc.insecure_channel(address) as channel:
        yield engine_pb2_grpc.EngineStub(channel)
    process.send_signal(signal.SIGTERM)
    assert process.wait(30) == 0


def error_detail(err: grpc.RpcError) -> engine_pb2.ErrorDetail:
    for key, value in err.trailing_metadata() or ():
        if key == "parley-error-detail-bin":
            return engine_pb2.ErrorDetail.FromString(value)
    raise AssertionError("no ErrorDetail in trailing metadata")


def test_version_status_and_parse(engine: engine_pb2_grpc.EngineStub, starter_model: Path) -> None:
    version = engine.GetVersion(engine_pb2.GetVersionRequest(), timeout=5)
    assert version.version and version.minimum_compatible_version
    status = engine.GetStatus(engine_pb2.GetStatusRequest(), timeout=5)
    assert status.model_file == starter_model.name
    assert len(status.model_id) == 32
    assert json.loads(status.fingerprint_json)["domain"]
    parsed = json.loads(engine.Parse(engine_pb2.ParseRequest(text="hello there"), timeout=5).parse_json)
    assert parsed["intent"]["name"] == "greet"
    assert parsed["text"] == "hello there"


def test_conversation_over_grpc(engine: engine_pb2_grpc.EngineStub) -> None:
    reply = engine.HandleMessage(
        engine_pb2.HandleMessageRequest(conversation_id="svc/1", text="are you a bot?", input_channel="rest"),
        timeout=10,
    )
    messages = json.loads(reply.messages_json)
    assert messages[0]["text"] == "Yes, I'm a bot, served by Parley."
    tracker = json.loads(engine.GetTracker(
        engine_pb2.GetTrackerRequest(conversation_id="svc/1", include_events=engine_pb2.EVENT_VERBOSITY_ALL),
        timeout=5,
    ).tracker_json)
    names = [e.get("name") or e["event"] for e in tracker["events"]]
    assert names[:3] == ["action_session_start", "session_started", "action_listen"]
    assert names[3:] == ["user", "user_featurization", "utter_is_bot", "bot", "action_listen"]


def test_bad_input_is_a_typed_error(engine: engine_pb2_grpc.EngineStub) -> None:
    with pytest.raises(grpc.RpcError) as caught:
        engine.Parse(engine_pb2.ParseRequest(text="hi", emulation_mode="nope"), timeout=5)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    detail = error_detail(caught.value)
    assert detail.reason == "BadRequest"
    assert json.loads(detail.details_json) == {"parameter": "emulation_mode", "in": "query"}


def test_engine_without_a_model_reports_conflict(tmp_path: Path) -> None:
    address = f"127.0.0.1:{free_port()}"
    process = start_engine(tmp_path / "no-models-here", address, tmp_path / "engine.log")
    try:
        with grpc.insecure_channel(address) as channel:
            stub = engine_pb2_grpc.EngineStub(channel)
            with pytest.raises(grpc.RpcError) as caught:
                stub.GetStatus(engine_pb2.GetStatusRequest(), timeout=5)
            assert caught.value.code() == grpc.StatusCode.FAILED_PRECONDITION
            assert error_detail(caught.value).reason == "Conflict"
            assert stub.GetVersion(engine_pb2.GetVersionRequest(), timeout=5).version
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(30) == 0
