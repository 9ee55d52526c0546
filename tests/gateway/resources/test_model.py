"""POST /model/parse: body and query validation, byte pass-through."""
from __future__ import annotations

import falcon.testing
import orjson
import pytest

from tests.gateway.fake_engine import PARSE_RESULT, FakeEngine


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
