"""Conversation state: GET tracker, POST/PUT tracker events, GET story."""
from __future__ import annotations

import falcon.testing
import grpc
import orjson
import pytest

from protos import engine_pb2
from tests.gateway.fake_engine import STORY, Failure, FakeEngine


@pytest.mark.parametrize(
    ("path", "conversation_id"),
    [
        ("/conversations/u1/tracker", "u1"),
        ("/conversations/0f3c2a/+-_\\=rest/tracker", "0f3c2a/+-_\\=rest"),
        ("/conversations/a/b/c/tracker", "a/b/c"),
        ("/conversations/a%2Fb%20c/tracker", "a/b c"),
        ("/conversations/100%25sure/tracker", "100%sure"),
        ("/conversations/tracker/tracker", "tracker"),
    ],
)
def test_conversation_ids_may_contain_slashes_and_symbols(
    client: falcon.testing.TestClient, fake: FakeEngine, path: str, conversation_id: str
) -> None:
    result = client.simulate_get(path)
    assert result.status_code == 200
    assert fake.last("GetTracker").conversation_id == conversation_id
    assert result.json["sender_id"] == conversation_id


@pytest.mark.parametrize(
    ("value", "verbosity"),
    [
        (None, engine_pb2.EVENT_VERBOSITY_AFTER_RESTART),
        ("all", engine_pb2.EVENT_VERBOSITY_ALL),
        ("Applied", engine_pb2.EVENT_VERBOSITY_APPLIED),
        ("AFTER_RESTART", engine_pb2.EVENT_VERBOSITY_AFTER_RESTART),
        ("none", engine_pb2.EVENT_VERBOSITY_NONE),
    ],
)
def test_include_events_is_case_insensitive(
    client: falcon.testing.TestClient, fake: FakeEngine, value: str | None, verbosity: int
) -> None:
    params = {"include_events": value} if value else {}
    assert client.simulate_get("/conversations/u1/tracker", params=params).status_code == 200
    assert fake.last("GetTracker").include_events == verbosity


def test_unknown_include_events_is_400(client: falcon.testing.TestClient, fake: FakeEngine) -> None:
    result = client.simulate_get("/conversations/u1/tracker", params={"include_events": "SOME"})
    assert result.status_code == 400
    assert result.json["reason"] == "BadRequest"
    assert result.json["details"] == {"parameter": "include_events", "in": "query"}
    assert not fake.requests


def test_until_is_forwarded_as_a_float(client: falcon.testing.TestClient, fake: FakeEngine) -> None:
    client.simulate_get("/conversations/u1/tracker", params={"until": "1700000000.5"})
    request = fake.last("GetTracker")
    assert request.HasField("until") and request.until == 1700000000.5


@pytest.mark.parametrize("until", ["yesterday", "", "nan"])
def test_unparsable_until_is_ignored(client: falcon.testing.TestClient, fake: FakeEngine, until: str) -> None:
    assert client.simulate_get("/conversations/u1/tracker", params={"until": until}).status_code == 200
    assert not fake.last("GetTracker").HasField("until")


def test_unknown_conversation_endpoint_is_404(client: falcon.testing.TestClient) -> None:
    result = client.simulate_get("/conversations/u1/doesnotexist")
    assert result.status_code == 404
    assert result.json["reason"] == "NotFound"


def test_tracker_only_answers_get(client: falcon.testing.TestClient) -> None:
    assert client.simulate_delete("/conversations/u1/tracker").status_code == 405


# -- POST / PUT /conversations/{id}/tracker/events ------------------------------------

EVENT = {"event": "slot", "name": "cuisine", "value": 34}


@pytest.mark.parametrize("body", [EVENT, [EVENT, {"event": "bot", "text": "hi"}]])
def test_posted_events_reach_the_engine_byte_for_byte(
    client: falcon.testing.TestClient, fake: FakeEngine, body: object
) -> None:
    raw = orjson.dumps(body)
    result = client.simulate_post("/conversations/a/b/tracker/events", body=raw,
                                  headers={"Content-Type": "application/json"})
    assert result.status_code == 200
    assert result.json["sender_id"] == "a/b"
    request = fake.last("AppendEvents")
    assert request.events_json == raw
    assert request.conversation_id == "a/b"
    assert not request.execute_side_effects


def test_side_effect_query_parameters_are_forwarded(client: falcon.testing.TestClient, fake: FakeEngine) -> None:
    client.simulate_post(
        "/conversations/u1/tracker/events", json=EVENT,
        params={"execute_side_effects": "true", "output_channel": "callback", "include_events": "all"},
    )
    request = fake.last("AppendEvents")
    assert request.execute_side_effects
    assert request.output_channel == "callback"
    assert request.include_events == engine_pb2.EVENT_VERBOSITY_ALL


@pytest.mark.parametrize("method", ["POST", "PUT"])
@pytest.mark.parametrize("body", [b"", b"   ", b"{not json", b"42", b'"event"'])
def test_events_without_a_usable_body_are_400(
    client: falcon.testing.TestClient, fake: FakeEngine, method: str, body: bytes
) -> None:
    result = client.simulate_request(method, "/conversations/u1/tracker/events", body=body)
    assert result.status_code == 400
    assert result.json["reason"] == "BadRequest"
    assert not fake.requests


def test_put_replaces_with_the_posted_list(client: falcon.testing.TestClient, fake: FakeEngine) -> None:
    result = client.simulate_put("/conversations/pushtracker/tracker/events", json=[EVENT])
    assert result.status_code == 200
    assert orjson.loads(fake.last("ReplaceEvents").events_json) == [EVENT]


def test_invalid_events_rejected_by_the_engine_are_400(client: falcon.testing.TestClient, fake: FakeEngine) -> None:
    fake.failures["AppendEvents"] = Failure(
        grpc.StatusCode.INVALID_ARGUMENT, "Failed to validate the events format: event 0 ('slot') needs 'value'.",
        reason="BadRequest", details={"parameter": "events", "in": "body"},
    )
    result = client.simulate_post("/conversations/u1/tracker/events", json={"event": "slot", "name": "x"})
    assert result.status_code == 400
    assert "needs 'value'" in result.json["message"]
    assert result.json["details"] == {"parameter": "events", "in": "body"}


def test_bad_include_events_is_400_before_the_body_is_read(
    client: falcon.testing.TestClient, fake: FakeEngine
) -> None:
    result = client.simulate_post("/conversations/u1/tracker/events", json=EVENT, params={"include_events": "x"})
    assert result.status_code == 400
    assert result.json["details"] == {"parameter": "include_events", "in": "query"}
    assert not fake.requests


# -- GET /conversations/{id}/story --------------------------------------------------------


def test_story_is_plain_text_yaml(client: falcon.testing.TestClient, fake: FakeEngine) -> None:
    result = client.simulate_get("/conversations/u1/story", params={"all_sessions": "true", "until": "12.5"})
    assert result.status_code == 200
    assert result.headers["content-type"] == "text/plain; charset=utf-8"
    assert result.text == STORY
    request = fake.last("GetStory")
    assert request.all_sessions and request.until == 12.5


@pytest.mark.parametrize("value", [None, "1", "yes", "false"])
def test_story_all_sessions_is_true_only_for_true(
    client: falcon.testing.TestClient, fake: FakeEngine, value: str | None
) -> None:
    client.simulate_get("/conversations/u1/story", params={"all_sessions": value} if value else {})
    assert not fake.last("GetStory").all_sessions
    assert not fake.last("GetStory").HasField("until")


def test_story_of_an_unknown_conversation_is_404(client: falcon.testing.TestClient, fake: FakeEngine) -> None:
    fake.failures["GetStory"] = Failure(
        grpc.StatusCode.NOT_FOUND, "Conversation ID not found.", reason="Not found"
    )
    result = client.simulate_get("/conversations/nobody/story")
    assert result.status_code == 404
    assert result.json["message"] == "Conversation ID not found."
    assert result.json["reason"] == "Not found"
