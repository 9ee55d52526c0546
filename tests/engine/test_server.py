"""The engine process: metrics over HTTP, every call counted, graceful stop."""
from __future__ import annotations

import threading
import time
import urllib.request
from pathlib import Path
from typing import Any, Iterator

import grpc
import pytest

from engine.errors import EngineError
from engine.server import RunningEngine, start_engine
from engine.settings import EngineSettings
from protos import engine_pb2, engine_pb2_grpc
from tests.conftest import free_port


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[RunningEngine]:
    settings = EngineSettings(
        address=f"127.0.0.1:{free_port()}", model=tmp_path / "no-models",
        metrics_address=("127.0.0.1", 0), grace=5.0,
    )
    running = start_engine(settings)
    yield running
    running.stop()


def scrape(engine: RunningEngine) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{engine.metrics_port}/metrics", timeout=5) as reply:
        return reply.read().decode()


def stub(engine: RunningEngine) -> tuple[grpc.Channel, Any]:
    channel = grpc.insecure_channel(engine.settings.address)
    return channel, engine_pb2_grpc.EngineStub(channel)


def test_metrics_count_calls_by_method_and_status(engine: RunningEngine) -> None:
    channel, client = stub(engine)
    with channel:
        client.GetVersion(engine_pb2.GetVersionRequest(), timeout=5)
        with pytest.raises(grpc.RpcError) as failed:
            client.Parse(engine_pb2.ParseRequest(text="hi"), timeout=5)  # no model loaded
    assert failed.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    text = scrape(engine)
    assert 'parley_engine_rpcs_total{code="OK",method="GetVersion"} 1.0' in text
    assert 'parley_engine_rpcs_total{code="FAILED_PRECONDITION",method="Parse"} 1.0' in text
    assert "parley_engine_model_loaded 0.0" in text


def test_stop_lets_an_in_flight_call_finish(tmp_path: Path) -> None:
    settings = EngineSettings(address=f"127.0.0.1:{free_port()}", model=tmp_path / "none", grace=5.0)
    running = start_engine(settings)
    started = threading.Event()

    def slow_parse(text: str, message_id: str | None = None) -> dict[str, Any]:
        started.set()
        time.sleep(0.5)
        return {"text": text, "intent": {"name": "greet", "confidence": 1.0}, "entities": []}

    running.agent.parse = slow_parse  # type: ignore[method-assign]
    answers: list[Any] = []

    def call() -> None:
        channel, client = stub(running)
        with channel:
            answers.append(client.Parse(engine_pb2.ParseRequest(text="hello"), timeout=10))

    caller = threading.Thread(target=call)
    caller.start()
    assert started.wait(5)
    running.stop()  # SIGTERM path: no new calls, the running one completes
    caller.join(10)
    assert answers and b"greet" in answers[0].parse_json


def test_engines_can_share_one_port_with_reuse_port(tmp_path: Path) -> None:
    address = f"127.0.0.1:{free_port()}"
    engines = [
        start_engine(EngineSettings(address=address, model=tmp_path / "none", reuse_port=True, grace=1.0))
        for _ in range(2)
    ]
    try:
        channel = grpc.insecure_channel(address)
        with channel:
            reply = engine_pb2_grpc.EngineStub(channel).GetVersion(engine_pb2.GetVersionRequest(), timeout=5)
        assert reply.version
    finally:
        for running in engines:
            running.stop()


def test_an_address_in_use_is_a_clear_error_without_reuse_port(engine: RunningEngine, tmp_path: Path) -> None:
    with pytest.raises(EngineError, match="cannot bind"):
        start_engine(EngineSettings(address=engine.settings.address, model=tmp_path / "none"))


def test_a_busy_metrics_port_is_a_clear_error(engine: RunningEngine, tmp_path: Path) -> None:
    settings = EngineSettings(address=f"127.0.0.1:{free_port()}", model=tmp_path / "none",
                              metrics_address=("127.0.0.1", engine.metrics_port or 0))
    with pytest.raises(EngineError, match="metrics"):
        start_engine(settings)
