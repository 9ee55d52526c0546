"""The REST channel: /webhooks/rest/ and /webhooks/rest/webhook."""
from __future__ import annotations

import json
from typing import Any

import falcon.testing
import grpc
import orjson
import pytest

from tests.gateway.conftest import ClientFactory
from tests.gateway.fake_engine import Failure, FakeEngine

WEBHOOK = "/webhooks/rest/webhook"


@pytest.mark.parametrize("path", ["/webhooks/rest/", "/webhooks/rest"])
def test_health(client: falcon.testing.TestClient, path: str) -> None:
    result = client.simulate_get(path)
    assert result.status_code == 200
    assert result.json == {"status": "ok"}


def test_channels_exist_without_enable_api(make_client: ClientFactory, fake: FakeEngine) -> None:
    fake.messages = [{"text": "hey"}]
    client = make_client(enable_api=False)
    assert client.simulate_get("/webhooks/rest/").status_code == 200
    assert client.simulate_post(WEBHOOK, json={"sender": "a", "message": "hi"}).json == [
        {"recipient_id": "a", "text": "hey"}
    ]


def test_message_goes_to_the_engine(client: falcon.testing.TestClient, fake: FakeEngine) -> None:
    result = client.simulate_post(
        WEBHOOK, json={"sender": "w1", "message": "  hi  ", "metadata": {"lang": "en", "n": 1}}
    )
    assert result.status_code == 200
    request = fake.last("HandleMessage")
    assert (request.conversation_id, request.text, request.input_channel) == ("w1", "hi", "rest")
    assert orjson.loads(request.metadata_json) == {"lang": "en", "n": 1}


@pytest.mark.parametrize(("sender", "expected"), [(None, "default"), (42, "42"), ("", "")])
def test_sender_defaults_and_ints_are_stringified(
    client: falcon.testing.TestClient, fake: FakeEngine, sender: Any, expected: str
) -> None:
    body: dict[str, Any] = {"message": "hi"}
    if sender is not None:
        body["sender"] = sender
    fake.messages = [{"text": "hey"}]
    result = client.simulate_post(WEBHOOK, json=body)
    assert fake.last("HandleMessage").conversation_id == expected
    assert result.json == [{"recipient_id": expected, "text": "hey"}]


def test_input_channel_can_be_named(client: falcon.testing.TestClient, fake: FakeEngine) -> None:
    client.simulate_post(WEBHOOK, json={"message": "hi", "input_channel": "my_widget"})
    assert fake.last("HandleMessage").input_channel == "my_widget"


@pytest.mark.parametrize(
    ("body", "parameter"),
    [
        ({"sender": "a"}, "message"),
        ({"sender": "a", "message": 5}, "message"),
        ({"sender": True, "message": "hi"}, "sender"),
        ({"sender": ["a"], "message": "hi"}, "sender"),
        ({"message": "hi", "metadata": "x"}, "metadata"),
        ({"message": "hi", "input_channel": 3}, "input_channel"),
        (["hi"], "body"),
    ],
)
def test_wrong_shape_is_400(
    client: falcon.testing.TestClient, fake: FakeEngine, body: Any, parameter: str
) -> None:
    result = client.simulate_post(WEBHOOK, json=body)
    assert result.status_code == 400
    assert result.json["details"] == {"parameter": parameter, "in": "body"}
    assert not fake.requests


@pytest.mark.parametrize("body", ["{not json", "", "sender=a&message=hi"])
def test_non_json_body_is_400_error_json(client: falcon.testing.TestClient, body: str) -> None:
    result = client.simulate_post(WEBHOOK, body=body, headers={"Content-Type": "application/json"})
    assert result.status_code == 400
    assert result.json["status"] == "failure"


def test_replies_are_rendered(client: falcon.testing.TestClient, fake: FakeEngine) -> None:
    fake.messages = [
        {"text": "Hi!\n\nWhat now?", "buttons": None},
        {"text": "Choose", "quick_replies": [{"title": "A", "payload": "/a"}]},
        {"image": "https://i.example/x.jpg"},
    ]
    result = client.simulate_post(WEBHOOK, json={"sender": "s", "message": "hi"})
    assert result.headers["content-type"] == "application/json"
    assert result.json == [
        {"recipient_id": "s", "text": "Hi!"},
        {"recipient_id": "s", "text": "What now?"},
        {"recipient_id": "s", "text": "Choose", "buttons": [{"title": "A", "payload": "/a"}]},
        {"recipient_id": "s", "image": "https://i.example/x.jpg"},
    ]


def test_no_replies_is_an_empty_list(client: falcon.testing.TestClient) -> None:
    assert client.simulate_post(WEBHOOK, json={"message": "hi"}).json == []


def test_stream_answers_one_json_object_per_line(client: falcon.testing.TestClient, fake: FakeEngine) -> None:
    fake.messages = [{"text": "one\n\ntwo"}, {"image": "i.png"}]
    result = client.simulate_post(WEBHOOK, params={"stream": "TRUE"}, json={"sender": "s", "message": "hi"})
    assert result.status_code == 200
    assert result.headers["content-type"] == "text/event-stream"
    lines = result.text.splitlines()
    assert [json.loads(line) for line in lines] == [
        {"recipient_id": "s", "text": "one"},
        {"recipient_id": "s", "text": "two"},
        {"recipient_id": "s", "image": "i.png"},
    ]


def test_stream_param_other_than_true_is_a_plain_answer(client: falcon.testing.TestClient) -> None:
    result = client.simulate_post(WEBHOOK, params={"stream": "1"}, json={"message": "hi"})
    assert result.headers["content-type"] == "application/json"


def test_engine_errors_are_mapped(client: falcon.testing.TestClient, fake: FakeEngine) -> None:
    fake.failures["HandleMessage"] = Failure(
        grpc.StatusCode.FAILED_PRECONDITION, "No agent loaded.", reason="Conflict"
    )
    result = client.simulate_post(WEBHOOK, json={"message": "hi"})
    assert result.status_code == 409
    assert result.json["reason"] == "Conflict"


@pytest.mark.shared
def test_rasa_reference_exchange(client: falcon.testing.TestClient, fake: FakeEngine) -> None:
    from tests.conftest import shared_path

    exchange = json.loads(
        shared_path("notes", "rasa-ref-responses", "tok_20_post_webhook_rest_sad.json").read_text()
    )
    # moodbot's utter_cheer_up (text + image) then utter_did_that_help
    fake.messages = [
        {"text": "Here is something to cheer you up:", "image": "https://i.imgur.com/nGF1K8f.jpg"},
        {"text": "Did that help you?"},
    ]
    result = client.simulate_post(WEBHOOK, json=exchange["request"]["body"])
    assert result.status_code == exchange["response"]["status"]
    assert result.json == exchange["response"]["body_json"]
