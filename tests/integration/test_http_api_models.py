"""Model endpoints on a server started without a model (and without auth).

PUT /model (file path, model server, remote storage), DELETE /model, the
409 of every gated endpoint without a model and of the dialogue endpoints
with an NLU-only model, training and evaluating while nothing is loaded.
"""
from __future__ import annotations

import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Iterator

import httpx
import pytest

from bench.harness import parley_command
from tests.conftest import REPO, shared_path
from tests.integration.conftest import train

pytestmark = pytest.mark.integration

EVENTS = [{"event": "action", "name": "action_listen"},
          {"event": "user", "text": "hello", "parse_data": {"intent": {"name": "greet", "confidence": 1.0},
                                                            "entities": []}}]
YAML = {"Content-Type": "application/x-yaml"}
# Every gated endpoint: (method, path, keyword arguments of the request).
GATED: list[tuple[str, str, dict[str, Any]]] = [
    ("GET", "/status", {}),
    ("GET", "/conversations/c/tracker", {}),
    ("POST", "/conversations/c/tracker/events", {"json": EVENTS}),
    ("PUT", "/conversations/c/tracker/events", {"json": EVENTS}),
    ("GET", "/conversations/c/story", {}),
    ("POST", "/conversations/c/execute", {"json": {"name": "utter_greet"}}),
    ("POST", "/conversations/c/trigger_intent", {"json": {"name": "greet"}}),
    ("POST", "/conversations/c/predict", {}),
    ("POST", "/conversations/c/messages", {"json": {"text": "hi", "sender": "user"}}),
    ("POST", "/model/test/stories", {"content": b"stories:\n- story: s\n  steps:\n  - intent: greet\n",
                                     "headers": YAML}),
    ("POST", "/model/test/intents", {"content": b"nlu:\n- intent: greet\n  examples: |\n    - hi\n",
                                     "headers": YAML}),
    ("POST", "/model/predict", {"json": EVENTS}),
    ("POST", "/model/parse", {"json": {"text": "hi"}}),
    ("GET", "/domain", {"headers": {"Accept": "application/json"}}),
]
DIALOGUE = {("POST", path) for path in (
    "/conversations/c/tracker/events", "/conversations/c/execute", "/conversations/c/trigger_intent",
    "/conversations/c/predict", "/conversations/c/messages", "/model/test/stories", "/model/predict")}


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The server's working directory; ``models/`` is its (empty) models directory."""
    path = tmp_path_factory.mktemp("no-model")
    (path / "models").mkdir()
    return path


@pytest.fixture(scope="module")
def archives(work: Path) -> dict[str, Path]:
    bot = shared_path("data", "bots", "moodbot")
    # Sub-directories of the models directory: PUT /model may name them, yet the
    # server starts without a model (only archives directly in it are served).
    out = work / "models"
    both = train(bot, out / "both")
    result = subprocess.run(
        parley_command("train", "nlu", "--config", str(bot / "config.yml"), "--domain", str(bot / "domain.yml"),
                       "--data", str(bot / "data"), "--out", str(out / "nlu")),
        capture_output=True, text=True, cwd=REPO,
    )
    assert result.returncode == 0, result.stderr
    return {"both": both, "nlu": next((out / "nlu").glob("*.tar.gz"))}


@pytest.fixture(scope="module")
def api(archives: dict[str, Path], work: Path) -> Iterator[httpx.Client]:
    from bench.harness import start_parley

    server = start_parley(["-m", str(work / "models"), "--enable-api"], cwd=work, log_path=work / "parley.log")
    with httpx.Client(base_url=server.base_url, timeout=120) as client:
        yield client
    server.stop()


class ModelServer:
    """Serves one archive with ``filename`` and ``ETag`` headers, as a Rasa model server does."""

    def __init__(self, archive: Path) -> None:
        data = archive.read_bytes()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                self.send_response(200)
                self.send_header("filename", "from-server.tar.gz")
                self.send_header("ETag", "v1")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.http.server_address[1]}/model/trained_core_model"
        threading.Thread(target=self.http.serve_forever, args=(0.05,), daemon=True).start()

    def close(self) -> None:
        self.http.shutdown()
        self.http.server_close()


def call(api: httpx.Client, method: str, path: str, kwargs: dict[str, Any]) -> httpx.Response:
    return api.request(method, path, **kwargs)


def test_without_a_model_every_gated_endpoint_is_409(api: httpx.Client) -> None:
    api.delete("/model")
    for method, path, kwargs in GATED:
        result = call(api, method, path, kwargs)
        assert result.status_code == 409, (method, path, result.text)
        assert result.json()["reason"] == "Conflict"
        assert result.json()["message"].startswith("No agent loaded.")


def test_training_and_evaluating_another_model_work_without_a_model(
    api: httpx.Client, archives: dict[str, Path]
) -> None:
    api.delete("/model")
    payload = shared_path("notes", "rasa-ref-responses", "train_payload.yml").read_bytes()
    trained = api.post("/model/train", content=payload)
    assert trained.status_code == 200 and trained.headers["filename"].endswith(".tar.gz")
    assert api.get("/status").status_code == 409  # trained, not loaded
    nlu = (shared_path("data", "bots", "moodbot") / "data" / "nlu.yml").read_bytes()
    report = api.post("/model/test/intents", content=nlu, headers=YAML, params={"model": str(archives["nlu"])})
    assert report.status_code == 200
    assert set(report.json()) == {"intent_evaluation", "entity_evaluation", "response_selection_evaluation"}
    assert api.get("/status").status_code == 409


def test_put_model_loads_and_delete_unloads(api: httpx.Client, archives: dict[str, Path]) -> None:
    assert api.put("/model", json={"model_file": str(archives["both"])}).status_code == 204
    status = api.get("/status").json()
    assert status["model_file"] == archives["both"].name and status["model_id"]
    assert api.post("/conversations/c/trigger_intent", json={"name": "greet"}).status_code == 200
    assert api.delete("/model").status_code == 204
    assert api.get("/status").status_code == 409


@pytest.mark.parametrize(("body", "parameter"), [
    ({"model_file": "some-random-path"}, None),
    ({"model_server": {"no": "url"}}, "model_server"),
    ({"model_file": "m.tar.gz", "remote_storage": "aws"}, "remote_storage"),
    ({}, "body"),
])
def test_put_model_mistakes_are_400_and_keep_the_model(
    api: httpx.Client, archives: dict[str, Path], body: dict, parameter: str | None
) -> None:
    api.put("/model", json={"model_file": str(archives["both"])})
    before = api.get("/status").json()["model_id"]
    result = api.put("/model", json=body)
    assert result.status_code == 400
    if parameter:
        assert result.json()["details"]["parameter"] == parameter
    assert api.get("/status").json()["model_id"] == before
    assert api.put("/model", content=b"").status_code == 400


def test_put_model_pulls_from_a_model_server(api: httpx.Client, archives: dict[str, Path]) -> None:
    api.put("/model", json={"model_file": str(archives["nlu"])})
    before = api.get("/status").json()["model_id"]
    server = ModelServer(archives["both"])
    try:
        assert api.put("/model", json={"model_server": {"url": server.url}}).status_code == 204
    finally:
        server.close()
    status = api.get("/status").json()
    assert status["model_id"] != before
    assert status["model_file"] == "from-server.tar.gz"


def test_an_nlu_only_model_refuses_dialogue_with_409(api: httpx.Client, archives: dict[str, Path]) -> None:
    assert api.put("/model", json={"model_file": str(archives["nlu"])}).status_code == 204
    for method, path, kwargs in GATED:
        result = call(api, method, path, kwargs)
        if (method, path) in DIALOGUE:
            assert result.status_code == 409, (method, path, result.text)
            assert "NLU-only" in result.json()["message"]
        else:
            assert result.status_code in (200, 404), (method, path, result.text)
    assert api.post("/model/parse", json={"text": "hello"}).json()["intent"]["name"] == "greet"
