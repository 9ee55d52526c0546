"""GET /conversations/{conversation_id}/tracker."""
from __future__ import annotations

import falcon.testing
import pytest

from protos import engine_pb2
from tests.gateway.fake_engine import FakeEngine


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
