"""Model server: ETag polling, hot swap while serving, a bad archive keeps the current model."""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Iterator

import pytest

from engine.agent import Agent
from engine.errors import DataError
from engine.metrics import EngineMetrics
from engine.models.archive import pack
from engine.models.puller import ModelPuller, ModelServerConfig
from engine.stores.lock.memory import InMemoryLockStore
from engine.stores.tracker.memory import InMemoryTrackerStore
from engine.version import parley_version


def make_archive(tmp_path: Path, model_id: str) -> bytes:
    """A small real archive: metadata and domain only (an NLU-less, policy-less model)."""
    source = tmp_path / f"src-{model_id}"
    source.mkdir()
    (source / "metadata.json").write_text(json.dumps({
        "model_id": model_id, "parley_version": parley_version(),
        "trained_at": "2026-01-01T00:00:00Z", "training_type": "nlu",
    }))
    (source / "domain.json").write_text(json.dumps({"intents": ["greet"]}))
    return pack(source, tmp_path / f"{model_id}.tar.gz").read_bytes()


class ModelServer:
    """A tiny HTTP model server: one archive, its ETag, and a log of requests."""

    def __init__(self) -> None:
        self.body = b""
        self.etag = ""
        self.requests: list[dict[str, Any]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                server.requests.append({"path": self.path, "if_none_match": self.headers.get("If-None-Match")})
                if server.etag and self.headers.get("If-None-Match") == server.etag:
                    self.send_response(304)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("ETag", server.etag)
                self.send_header("Content-Disposition", 'attachment; filename="bot.tar.gz"')
                self.send_header("Content-Length", str(len(server.body)))
                self.end_headers()
                self.wfile.write(server.body)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/models/default"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def publish(self, body: bytes, etag: str) -> None:
        self.body, self.etag = body, etag

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def model_server() -> Iterator[ModelServer]:
    server = ModelServer()
    yield server
    server.close()


@pytest.fixture
def agent() -> Agent:
    return Agent(InMemoryTrackerStore(), InMemoryLockStore())


def test_pulls_the_model_then_sends_its_etag_and_keeps_it_on_304(
    model_server: ModelServer, agent: Agent, tmp_path: Path
) -> None:
    model_server.publish(make_archive(tmp_path, "m1"), '"v1"')
    puller = ModelPuller(ModelServerConfig(url=model_server.url, wait=0), agent)
    assert puller.pull() == "updated"
    assert agent.model is not None and agent.model.model_id == "m1"
    assert agent.status()["model_file"] == "bot.tar.gz"
    assert puller.pull() == "unchanged"
    assert model_server.requests[-1]["if_none_match"] == '"v1"'
    assert agent.model.model_id == "m1"
    puller.stop()


def test_a_new_archive_is_swapped_in(model_server: ModelServer, agent: Agent, tmp_path: Path) -> None:
    model_server.publish(make_archive(tmp_path, "m1"), '"v1"')
    puller = ModelPuller(ModelServerConfig(url=model_server.url, wait=0), agent)
    puller.pull()
    model_server.publish(make_archive(tmp_path, "m2"), '"v2"')
    assert puller.pull() == "updated"
    assert agent.model is not None and agent.model.model_id == "m2"
    puller.stop()


def test_a_bad_archive_keeps_the_current_model(model_server: ModelServer, agent: Agent, tmp_path: Path) -> None:
    metrics = EngineMetrics()
    model_server.publish(make_archive(tmp_path, "m1"), '"v1"')
    puller = ModelPuller(ModelServerConfig(url=model_server.url, wait=0), agent, metrics=metrics)
    puller.pull()
    model_server.publish(b"this is not a tar.gz", '"broken"')
    assert puller.pull() == "rejected"
    assert agent.model is not None and agent.model.model_id == "m1"
    assert puller.pull() == "rejected"  # not loaded again, still the old model
    assert metrics.registry.get_sample_value("parley_engine_model_pulls_total", {"result": "rejected"}) == 2
    puller.stop()


def test_an_unreachable_server_keeps_the_current_model(agent: Agent) -> None:
    puller = ModelPuller(ModelServerConfig(url="http://127.0.0.1:9/none", wait=0, timeout=2), agent)
    assert puller.pull() == "unavailable"
    assert agent.model is None
    puller.stop()


def test_the_token_is_sent_as_a_query_parameter(model_server: ModelServer, agent: Agent, tmp_path: Path) -> None:
    model_server.publish(make_archive(tmp_path, "m1"), '"v1"')
    config = ModelServerConfig.from_section({"url": model_server.url + "?x=1", "token": "s3cret",
                                             "token_name": "auth", "wait_time_between_pulls": None})
    assert config is not None and config.wait == 0
    ModelPuller(config, agent).pull()
    assert model_server.requests[-1]["path"] == "/models/default?x=1&auth=s3cret"


def test_requests_keep_being_answered_during_swaps(model_server: ModelServer, agent: Agent, tmp_path: Path) -> None:
    archives = [make_archive(tmp_path, f"m{i}") for i in range(4)]
    model_server.publish(archives[0], '"v0"')
    puller = ModelPuller(ModelServerConfig(url=model_server.url, wait=0), agent)
    puller.pull()
    failures: list[Exception] = []
    stop = threading.Event()

    def ask() -> None:
        while not stop.is_set():
            try:
                assert agent.parse("/greet")["intent"]["name"] == "greet"
            except Exception as ex:  # any failure during a swap is the bug
                failures.append(ex)

    askers = [threading.Thread(target=ask) for _ in range(2)]
    for thread in askers:
        thread.start()
    for index, body in enumerate(archives[1:], start=1):
        model_server.publish(body, f'"v{index}"')
        assert puller.pull() == "updated"
    stop.set()
    for thread in askers:
        thread.join()
    assert not failures and agent.model is not None and agent.model.model_id == "m3"
    puller.stop()


def test_background_polling_picks_up_a_new_model(model_server: ModelServer, agent: Agent, tmp_path: Path) -> None:
    model_server.publish(make_archive(tmp_path, "m1"), '"v1"')
    puller = ModelPuller(ModelServerConfig(url=model_server.url, wait=0.05), agent)
    puller.start()
    try:
        for _ in range(200):
            if agent.model is not None:
                break
            threading.Event().wait(0.02)
    finally:
        puller.stop()
    assert agent.model is not None and agent.model.model_id == "m1"


@pytest.mark.parametrize(
    "section", [{"url": "ftp://x/model"}, {"url": "http://x/m", "wait_time_between_pulls": "often"}, ["url"]]
)
def test_bad_sections_are_clear_errors(section: Any) -> None:
    with pytest.raises(DataError, match="models"):
        ModelServerConfig.from_section(section)


def test_no_url_means_no_model_server() -> None:
    assert ModelServerConfig.from_section(None) is None
    assert ModelServerConfig.from_section({"wait_time_between_pulls": 5}) is None
