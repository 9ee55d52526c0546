"""The HTTP API's RPCs over real gRPC: streaming training, model swaps, errors."""
from __future__ import annotations

import json
import shutil
import threading
from concurrent import futures
from pathlib import Path
from typing import Any, Iterator

import grpc
import orjson
import pytest
import yaml

from engine.errors import ERROR_DETAIL_KEY
from engine.servicer import EngineServicer
from protos import engine_pb2, engine_pb2_grpc
from tests.conftest import FIXTURES
from tests.engine.api.conftest import make_agent

PROJECT = (FIXTURES / "api" / "mini_project.yml").read_bytes()


@pytest.fixture
def running(tinybot_archives: dict[str, Path], tmp_path: Path) -> Iterator[tuple[Any, Any]]:
    agent = make_agent(tinybot_archives["both"], tmp_path)
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    engine_pb2_grpc.add_EngineServicer_to_server(EngineServicer(agent), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        yield agent, engine_pb2_grpc.EngineStub(channel)
    server.stop(None)


def detail(err: grpc.RpcError) -> engine_pb2.ErrorDetail:
    for key, value in err.trailing_metadata() or ():
        if key == ERROR_DETAIL_KEY:
            return engine_pb2.ErrorDetail.FromString(value)
    raise AssertionError("no error detail")


def test_training_streams_the_archive_in_chunks(running: tuple[Any, Any]) -> None:
    agent, stub = running
    chunks = list(stub.Train(engine_pb2.TrainRequest(payload=PROJECT), timeout=120))
    first = chunks[0]
    assert first.filename.endswith(".tar.gz") and first.size > 0
    data = b"".join(c.data for c in chunks)
    assert len(data) == first.size
    assert (agent.models_dir / first.filename).read_bytes() == data
    assert all(not c.filename for c in chunks[1:])


def test_training_into_a_temporary_directory_keeps_nothing(running: tuple[Any, Any]) -> None:
    agent, stub = running
    request = engine_pb2.TrainRequest(payload=PROJECT, save_to_default_model_directory=False)
    chunks = list(stub.Train(request, timeout=120))
    assert chunks[0].size == len(b"".join(c.data for c in chunks))
    assert not agent.models_dir.exists()


def test_training_is_counted_while_it_runs(running: tuple[Any, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    from engine.api import training

    agent, stub = running
    started, release = threading.Event(), threading.Event()
    real = training.train_payload

    def slow(*args: Any, **kwargs: Any) -> Any:
        started.set()
        release.wait(30)
        return real(*args, **kwargs)

    monkeypatch.setattr(training, "train_payload", slow)
    results: list[Any] = []
    worker = threading.Thread(target=lambda: results.append(list(stub.Train(
        engine_pb2.TrainRequest(payload=PROJECT), timeout=120))))
    worker.start()
    assert started.wait(30)
    busy = stub.GetStatus(engine_pb2.GetStatusRequest(), timeout=5)
    assert busy.num_active_training_jobs == 1
    jobs = json.loads(busy.jobs_json)
    assert [(job["kind"], job["stage"]) for job in jobs] == [("training", "starting")]
    assert stub.Parse(engine_pb2.ParseRequest(text="hello"), timeout=5).parse_json  # not blocked
    release.set()
    worker.join(60)
    assert results and results[0][0].filename
    idle = stub.GetStatus(engine_pb2.GetStatusRequest(), timeout=5)
    assert idle.num_active_training_jobs == 0 and json.loads(idle.jobs_json) == []


def test_training_errors_arrive_before_any_chunk(running: tuple[Any, Any]) -> None:
    _, stub = running
    with pytest.raises(grpc.RpcError) as caught:
        list(stub.Train(engine_pb2.TrainRequest(payload=b"this: [is not: valid"), timeout=30))
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert detail(caught.value).help == "https://rasa.com/docs/rasa/training-data-format"
    nothing = yaml.safe_dump({"version": "3.1", "intents": ["greet"]}).encode()
    with pytest.raises(grpc.RpcError) as caught:
        list(stub.Train(engine_pb2.TrainRequest(payload=nothing), timeout=30))
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT  # a client mistake: 400, not Rasa's 500
    assert detail(caught.value).reason == "TrainingError"


def test_a_failed_load_keeps_the_model_and_unload_drops_it(
    running: tuple[Any, Any], tinybot_archives: dict[str, Path]
) -> None:
    agent, stub = running
    before = stub.GetStatus(engine_pb2.GetStatusRequest(), timeout=5).model_id
    with pytest.raises(grpc.RpcError) as caught:
        stub.LoadModel(engine_pb2.LoadModelRequest(model_file="some-random-path"), timeout=30)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert stub.GetStatus(engine_pb2.GetStatusRequest(), timeout=5).model_id == before
    with pytest.raises(grpc.RpcError) as caught:  # outside the models directory
        stub.LoadModel(engine_pb2.LoadModelRequest(model_file=str(tinybot_archives["nlu"])), timeout=30)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    agent.models_dir.mkdir(parents=True, exist_ok=True)
    shutil.copy(tinybot_archives["nlu"], agent.models_dir)
    loaded = stub.LoadModel(engine_pb2.LoadModelRequest(model_file=tinybot_archives["nlu"].name), timeout=30)
    assert loaded.model_file == tinybot_archives["nlu"].name
    assert stub.GetStatus(engine_pb2.GetStatusRequest(), timeout=5).model_id == loaded.model_id != before
    stub.UnloadModel(engine_pb2.UnloadModelRequest(), timeout=5)
    with pytest.raises(grpc.RpcError) as caught:
        stub.GetDomain(engine_pb2.GetDomainRequest(), timeout=5)
    assert caught.value.code() == grpc.StatusCode.FAILED_PRECONDITION


def test_remote_storage_is_refused(running: tuple[Any, Any]) -> None:
    _, stub = running
    with pytest.raises(grpc.RpcError) as caught:
        stub.LoadModel(engine_pb2.LoadModelRequest(model_file="m.tar.gz", remote_storage="aws"), timeout=5)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "not supported" in detail(caught.value).message


def test_domain_as_json_and_yaml(running: tuple[Any, Any]) -> None:
    agent, stub = running
    as_json = orjson.loads(stub.GetDomain(engine_pb2.GetDomainRequest(), timeout=5).domain)
    as_yaml = stub.GetDomain(engine_pb2.GetDomainRequest(format=engine_pb2.DOMAIN_FORMAT_YAML), timeout=5).domain
    assert as_json == agent.domain() == yaml.safe_load(as_yaml)
    assert as_yaml.decode().startswith("version: '3.1'\n")


def test_conversation_rpcs_end_to_end(running: tuple[Any, Any]) -> None:
    _, stub = running
    event = orjson.dumps({"event": "user", "text": "hi", "parse_data": {"intent": {"name": "greet"}}})
    appended = stub.AppendEvents(engine_pb2.AppendEventsRequest(conversation_id="g", events_json=event), timeout=10)
    assert orjson.loads(appended.tracker_json)["events"][-1]["text"] == "hi"
    turn = stub.ExecuteAction(engine_pb2.ExecuteActionRequest(conversation_id="g", action_name="utter_greet"),
                              timeout=10)
    assert orjson.loads(turn.messages_json) == [{"text": "Hello! Ask me about the weather anywhere."}]
    story = stub.GetStory(engine_pb2.GetStoryRequest(conversation_id="g"), timeout=10).story_yaml
    assert "- action: utter_greet" in story
    with pytest.raises(grpc.RpcError) as caught:
        stub.GetStory(engine_pb2.GetStoryRequest(conversation_id="nobody"), timeout=10)
    assert caught.value.code() == grpc.StatusCode.NOT_FOUND
    assert detail(caught.value).reason == "Not found"
    with pytest.raises(grpc.RpcError) as caught:
        stub.AppendEvents(engine_pb2.AppendEventsRequest(conversation_id="g", events_json=b'{"event": "x"}'),
                          timeout=10)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
