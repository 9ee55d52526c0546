"""POST /model/parse, POST /model/predict, PUT and DELETE /model."""
from __future__ import annotations

import falcon.testing
import grpc
import orjson
import pytest

from protos import engine_pb2
from tests.gateway.fake_engine import PARSE_RESULT, Failure, FakeEngine


def test_parse_passes_the_engine_json_through(client: falcon.testing.TestClient, fake: FakeEngine) -> None:
    result = client.simulate_post("/model/parse", json={"text": "hello there"})
    assert result.status_code == 200
    assert result.headers["content-type"] == "application/json"
    assert result.content == orjson.dumps({**PARSE_RESULT, "text": "hello there"})
    assert result.json["count"] == 120  # ints stay ints
    assert fake.last("Parse").text == "hello there"


def test_message_id_is_forwarded(client: falcon.testing.TestClient, fake: FakeEngine) -> None:
    client.simulate_post("/model/parse", json={"text": "hi", "message_id": "m-1"})
    assert fake.last("Parse").message_id == "m-1"


@pytest.mark.parametrize(("given", "sent"), [("WIT", "wit"), ("Luis", "luis"), ("dialogflow", "dialogflow")])
def test_emulation_mode_is_case_insensitive(
    client: falcon.testing.TestClient, fake: FakeEngine, given: str, sent: str
) -> None:
    result = client.simulate_post("/model/parse", params={"emulation_mode": given}, json={"text": "hi"})
    assert result.status_code == 200
    assert fake.last("Parse").emulation_mode == sent


def test_unknown_emulation_mode_is_400(client: falcon.testing.TestClient, fake: FakeEngine) -> None:
    result = client.simulate_post("/model/parse", params={"emulation_mode": "ANYTHING"}, json={"text": "hi"})
    assert result.status_code == 400
    assert result.json["reason"] == "BadRequest"
    assert result.json["details"] == {"parameter": "emulation_mode", "in": "query"}
    assert not fake.requests


@pytest.mark.parametrize("body", ["", "{}", "   "])
def test_empty_body_is_400(client: falcon.testing.TestClient, body: str) -> None:
    result = client.simulate_post("/model/parse", body=body, headers={"Content-Type": "application/json"})
    assert result.status_code == 400
    assert result.json["reason"] == "BadRequest"
    assert result.json["message"].startswith("No text message defined in request_body")


@pytest.mark.parametrize(
    ("body", "parameter"),
    [
        ({"message": "hi"}, "text"),
        ({"text": 42}, "text"),
        ({"text": None}, "text"),
        ({"text": "hi", "message_id": ["x"]}, "message_id"),
        (["hi"], "body"),
        ("hi", "body"),
    ],
)
def test_wrong_shape_is_400_naming_the_parameter(
    client: falcon.testing.TestClient, fake: FakeEngine, body: object, parameter: str
) -> None:
    result = client.simulate_post("/model/parse", json=body)
    assert result.status_code == 400
    assert result.json["details"] == {"parameter": parameter, "in": "body"}
    assert not fake.requests


# -- POST /model/predict ------------------------------------------------------------------

PREDICT_EVENTS = [
    {"event": "action", "name": "action_listen"},
    {"event": "user", "text": "hello", "parse_data": {"entities": [], "intent": {"confidence": 0.57, "name": "greet"}}},
]


def test_model_predict_sends_the_event_list(client: falcon.testing.TestClient, fake: FakeEngine) -> None:
    result = client.simulate_post("/model/predict", json=PREDICT_EVENTS, params={"include_events": "ALL"})
    assert result.status_code == 200
    assert {"scores", "policy", "tracker"} <= set(result.json)
    request = fake.last("PredictFromEvents")
    assert orjson.loads(request.events_json) == PREDICT_EVENTS
    assert request.include_events == engine_pb2.EVENT_VERBOSITY_ALL


@pytest.mark.parametrize("body", [b"", b"{}", b'{"event": "action"}', b"[oops"])
def test_model_predict_needs_a_json_list(client: falcon.testing.TestClient, fake: FakeEngine, body: bytes) -> None:
    result = client.simulate_post("/model/predict", body=body, headers={"Content-Type": "application/json"})
    assert result.status_code == 400
    assert not fake.requests


def test_model_predict_on_an_nlu_only_model_is_409(client: falcon.testing.TestClient, fake: FakeEngine) -> None:
    fake.failures["PredictFromEvents"] = Failure(
        grpc.StatusCode.FAILED_PRECONDITION, "The loaded model is an NLU-only model.", reason="Conflict"
    )
    result = client.simulate_post("/model/predict", json=PREDICT_EVENTS)
    assert result.status_code == 409
    assert result.json["reason"] == "Conflict"


# -- PUT / DELETE /model -------------------------------------------------------------------


def test_put_model_file_answers_204(client: falcon.testing.TestClient, fake: FakeEngine) -> None:
    result = client.simulate_put("/model", json={"model_file": "models/x.tar.gz"})
    assert result.status_code == 204
    assert result.content == b""
    request = fake.last("LoadModel")
    assert request.model_file == "models/x.tar.gz"
    assert request.model_server_json == b"" and request.remote_storage == ""


def test_put_model_server_is_forwarded_as_json(client: falcon.testing.TestClient, fake: FakeEngine) -> None:
    server = {"url": "https://example.com/model/x", "wait_time_between_pulls": None}
    assert client.simulate_put("/model", json={"model_server": server}).status_code == 204
    assert orjson.loads(fake.last("LoadModel").model_server_json) == server


@pytest.mark.parametrize("body", [b"", b"{}", b"[]"])
def test_put_model_without_a_body_is_400(client: falcon.testing.TestClient, fake: FakeEngine, body: bytes) -> None:
    result = client.simulate_put("/model", body=body, headers={"Content-Type": "application/json"})
    assert result.status_code == 400
    assert not fake.requests


def test_put_model_file_must_be_a_string(client: falcon.testing.TestClient, fake: FakeEngine) -> None:
    result = client.simulate_put("/model", json={"model_file": 5})
    assert result.status_code == 400
    assert result.json["details"] == {"parameter": "model_file", "in": "body"}


def test_a_model_that_cannot_load_is_400(client: falcon.testing.TestClient, fake: FakeEngine) -> None:
    fake.failures["LoadModel"] = Failure(
        grpc.StatusCode.INVALID_ARGUMENT, "No model found at 'some-random-path'.", reason="BadRequest"
    )
    result = client.simulate_put("/model", json={"model_file": "some-random-path"})
    assert result.status_code == 400
    assert "some-random-path" in result.json["message"]


def test_delete_model_answers_204(client: falcon.testing.TestClient, fake: FakeEngine) -> None:
    result = client.simulate_delete("/model")
    assert result.status_code == 204
    assert fake.last("UnloadModel") is not None


def test_model_route_serves_put_and_delete_only(client: falcon.testing.TestClient) -> None:
    assert client.simulate_get("/model").status_code == 405
