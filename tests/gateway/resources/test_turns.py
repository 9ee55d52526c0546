"""POST /conversations/{id}/execute, /trigger_intent, /predict, /messages."""
from __future__ import annotations

from typing import Any, Iterable

import falcon.testing
import grpc
import orjson
import pytest

from gateway.app import create_app
from gateway.channels.base import InputChannel, OutputChannel
from gateway.engine_client import EngineClient
from gateway.settings import GatewaySettings
from protos import engine_pb2
from tests.gateway.fake_engine import PREDICTION, TRACKER, Failure, FakeEngine, FakeEngineServer

MESSAGES = [{"text": "Hello!\n\nHow are you?"}, {"image": "https://example.com/a.png"}]
RENDERED = [
    {"recipient_id": "u1", "text": "Hello!"},
    {"recipient_id": "u1", "text": "How are you?"},
    {"recipient_id": "u1", "image": "https://example.com/a.png"},
]


class RecordingOutput(OutputChannel):
    def __init__(self, name: str, collects: bool) -> None:
        self.name = name
        self.collects = collects
        self.sent: list[tuple[str, list[Any]]] = []

    async def send(self, recipient_id: str, messages: Iterable[Any]) -> None:
        self.sent.append((recipient_id, list(messages)))


class PushChannel(InputChannel):
    """A channel with its own output, like callback (collects) or socketio (does not)."""

    def __init__(self, name: str, collects: bool) -> None:
        self.name = name
        self._output = RecordingOutput(name, collects)

    def routes(self) -> list[tuple[str, object]]:
        return []

    def output(self) -> OutputChannel | None:
        return self._output


@pytest.fixture
def push_client(engine_server: FakeEngineServer, fake: FakeEngine) -> tuple[falcon.testing.TestClient, dict]:
    channels = {"callback": PushChannel("callback", True), "socketio": PushChannel("socketio", False)}
    settings = GatewaySettings(engine_address=engine_server.address, enable_api=True, engine_timeout=5.0)
    app = create_app(settings, EngineClient(settings.engine_address, 5.0), list(channels.values()))
    return falcon.testing.TestClient(app), channels


@pytest.mark.parametrize(("path", "rpc", "body"), [
    ("execute", "ExecuteAction", {"name": "utter_greet"}),
    ("trigger_intent", "TriggerIntent", {"name": "greet"}),
])
def test_turns_answer_tracker_and_rendered_messages(
    client: falcon.testing.TestClient, fake: FakeEngine, path: str, rpc: str, body: dict
) -> None:
    fake.messages = MESSAGES
    result = client.simulate_post(f"/conversations/u1/{path}", json=body)
    assert result.status_code == 200
    assert result.json == {"tracker": {**TRACKER, "sender_id": "u1"}, "messages": RENDERED}
    assert fake.last(rpc).conversation_id == "u1"


def test_execute_forwards_policy_and_confidence(client: falcon.testing.TestClient, fake: FakeEngine) -> None:
    client.simulate_post("/conversations/u1/execute", json={"name": "utter_greet", "policy": "p", "confidence": 1},
                         params={"include_events": "NONE", "output_channel": "rest"})
    request = fake.last("ExecuteAction")
    assert (request.action_name, request.policy, request.confidence) == ("utter_greet", "p", 1.0)
    assert request.include_events == engine_pb2.EVENT_VERBOSITY_NONE
    assert request.output_channel == "rest"


def test_execute_without_confidence_leaves_it_unset(client: falcon.testing.TestClient, fake: FakeEngine) -> None:
    client.simulate_post("/conversations/u1/execute", json={"name": "utter_greet"})
    assert not fake.last("ExecuteAction").HasField("confidence")


@pytest.mark.parametrize(("path", "body", "parameter"), [
    ("execute", {}, "name"),
    ("execute", {"wrong-key": "utter_greet"}, "name"),
    ("execute", {"name": 3}, "name"),
    ("execute", {"name": "a", "confidence": "high"}, "confidence"),
    ("trigger_intent", {"wrong-key": "greet"}, "name"),
    ("trigger_intent", {"name": "greet", "entities": "Sara"}, "entities"),
    ("messages", {"text": "hi", "sender": "bot"}, "sender"),
    ("messages", {"text": "hi"}, "sender"),
    ("messages", {"sender": "user"}, "text"),
    ("messages", {"text": "hi", "sender": "user", "parse_data": []}, "parse_data"),
])
def test_missing_or_wrong_fields_are_400_naming_them(
    client: falcon.testing.TestClient, fake: FakeEngine, path: str, body: dict, parameter: str
) -> None:
    result = client.simulate_post(f"/conversations/u1/{path}", json=body)
    assert result.status_code == 400
    assert result.json["reason"] == "BadRequest"
    assert result.json["details"] == {"parameter": parameter, "in": "body"}
    assert not fake.requests


def test_missing_action_name_matches_rasas_error(client: falcon.testing.TestClient) -> None:
    result = client.simulate_post("/conversations/u1/execute", json={})
    assert result.json["message"] == "Name of the action not provided in request body."


def test_trigger_intent_sends_entities_as_an_object(client: falcon.testing.TestClient, fake: FakeEngine) -> None:
    client.simulate_post("/conversations/test_trigger/trigger_intent",
                         json={"name": "greet", "entities": {"name": "Sara"}})
    request = fake.last("TriggerIntent")
    assert request.intent == "greet"
    assert orjson.loads(request.entities_json) == {"name": "Sara"}


@pytest.mark.parametrize(("code", "reason", "status"), [
    (grpc.StatusCode.NOT_FOUND, "NotFound", 404),
    (grpc.StatusCode.FAILED_PRECONDITION, "Conflict", 409),
])
def test_engine_refusals_keep_their_status(
    client: falcon.testing.TestClient, fake: FakeEngine, code: grpc.StatusCode, reason: str, status: int
) -> None:
    fake.failures["TriggerIntent"] = Failure(code, "The intent 'nope' does not exist in the domain.", reason=reason)
    result = client.simulate_post("/conversations/u1/trigger_intent", json={"name": "nope"})
    assert result.status_code == status
    assert result.json["reason"] == reason


def test_predict_passes_the_engine_json_through(client: falcon.testing.TestClient, fake: FakeEngine) -> None:
    result = client.simulate_post("/conversations/u1/predict", params={"include_events": "applied"})
    assert result.status_code == 200
    assert result.json["scores"] == PREDICTION["scores"]
    assert result.json["tracker"]["sender_id"] == "u1"
    assert fake.last("PredictNextAction").include_events == engine_pb2.EVENT_VERBOSITY_APPLIED


def test_messages_forwards_text_parse_data_and_extras(client: falcon.testing.TestClient, fake: FakeEngine) -> None:
    parse_data = {"intent": {"name": "greet", "confidence": 0.57}, "entities": [{"entity": "name", "value": "V"}]}
    result = client.simulate_post("/conversations/u1/messages", json={
        "text": "T", "sender": "user", "parse_data": parse_data, "message_id": 7, "metadata": {"a": 1},
    })
    assert result.status_code == 200
    request = fake.last("AddMessage")
    assert request.text == "T"
    assert orjson.loads(request.parse_data_json) == parse_data
    assert request.message_id == "7"
    assert orjson.loads(request.metadata_json) == {"a": 1}


def test_messages_without_parse_data_lets_the_engine_parse(
    client: falcon.testing.TestClient, fake: FakeEngine
) -> None:
    client.simulate_post("/conversations/u1/messages", json={"text": "hi", "sender": "user"})
    assert fake.last("AddMessage").parse_data_json == b""


def test_empty_message_body_is_400(client: falcon.testing.TestClient, fake: FakeEngine) -> None:
    assert client.simulate_post("/conversations/u1/messages", body=b"").status_code == 400
    assert not fake.requests


# -- output channels --------------------------------------------------------------------


def test_collecting_output_channel_gets_and_returns_the_messages(push_client: Any, fake: FakeEngine) -> None:
    client, channels = push_client
    fake.messages = MESSAGES
    result = client.simulate_post("/conversations/u1/trigger_intent", json={"name": "greet"},
                                  params={"output_channel": "callback"})
    assert result.json["messages"] == RENDERED
    assert channels["callback"].output().sent == [("u1", MESSAGES)]


def test_non_collecting_output_channel_gets_messages_the_response_leaves_out(
    push_client: Any, fake: FakeEngine
) -> None:
    client, channels = push_client
    fake.messages = MESSAGES
    result = client.simulate_post("/conversations/u1/execute", json={"name": "utter_greet"},
                                  params={"output_channel": "socketio"})
    assert "messages" not in result.json
    assert channels["socketio"].output().sent == [("u1", MESSAGES)]


def test_latest_output_channel_is_the_one_the_engine_resolved(push_client: Any, fake: FakeEngine) -> None:
    client, channels = push_client
    fake.messages = MESSAGES
    fake.latest_input_channel = "socketio"
    result = client.simulate_post("/conversations/u1/trigger_intent", json={"name": "greet"},
                                  params={"output_channel": "latest"})
    assert "messages" not in result.json
    assert channels["socketio"].output().sent == [("u1", MESSAGES)]


@pytest.mark.parametrize("channel", [None, "rest", "slack"])
def test_other_output_channels_collect(push_client: Any, fake: FakeEngine, channel: str | None) -> None:
    client, channels = push_client
    fake.messages = MESSAGES
    result = client.simulate_post("/conversations/u1/trigger_intent", json={"name": "greet"},
                                  params={"output_channel": channel} if channel else {})
    assert result.json["messages"] == RENDERED
    assert not channels["callback"].output().sent and not channels["socketio"].output().sent


def test_side_effects_of_posted_events_go_to_the_output_channel(push_client: Any, fake: FakeEngine) -> None:
    client, channels = push_client
    fake.messages = [{"text": "Welcome!"}]
    bot = {"event": "bot", "text": "Welcome!", "data": {"test": True}}
    client.simulate_post("/conversations/u1/tracker/events", json=bot,
                         params={"execute_side_effects": "true", "output_channel": "callback"})
    assert channels["callback"].output().sent == [("u1", [{"text": "Welcome!"}])]


def test_no_side_effects_without_the_flag(push_client: Any, fake: FakeEngine) -> None:
    client, channels = push_client
    fake.messages = [{"text": "Welcome!"}]
    client.simulate_post("/conversations/u1/tracker/events", json={"event": "bot", "text": "Welcome!"},
                         params={"output_channel": "callback"})
    assert not channels["callback"].output().sent
