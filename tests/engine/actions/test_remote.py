"""Custom actions on an action server: request, answer handling, failures; the NLG endpoint."""
from __future__ import annotations

import random
from typing import Any, Iterator

import pytest

from engine.actions.base import ActionExecutionRejection
from engine.actions.endpoint import EndpointConfig
from engine.actions.nlg_endpoint import CallbackResponseGenerator, NlgServerError
from engine.actions.remote import ActionServer, ActionServerError, RemoteAction
from engine.actions.responses import TemplatedResponseGenerator
from engine.conversation.domain import Domain
from engine.conversation.events import ActionExecuted, SlotSet, UserUttered
from engine.conversation.tracker import DialogueStateTracker
from engine.dialogue.ensemble import PolicyEnsemble
from engine.dialogue.policies.base import Policy, PolicyPrediction
from engine.processor import MessageProcessor
from tests.engine.actions.fake_http import FakeServer

DOMAIN = Domain.from_dict(
    {
        "intents": ["greet"],
        "slots": {"temp": {"type": "any", "mappings": [{"type": "custom"}]}},
        "responses": {"utter_temp": [{"text": "It is {temp} degrees in {city}."}]},
        "actions": ["action_weather", {"action_profile": {"send_domain": True}}, "validate_x_form"],
    }
)
NLG = TemplatedResponseGenerator(DOMAIN.responses, random.Random(0))


@pytest.fixture
def server() -> Iterator[FakeServer]:
    fake = FakeServer(lambda request: (200, {"events": [], "responses": []}))
    yield fake
    fake.close()


def tracker() -> DialogueStateTracker:
    t = DialogueStateTracker("alice", DOMAIN.slots)
    t.update(ActionExecuted("action_listen"))
    t.update(UserUttered("hi", {"intent": {"name": "greet", "confidence": 1.0}}))
    return t


def run(server: FakeServer, name: str = "action_weather", **endpoint: Any) -> list:
    config = EndpointConfig.from_dict({"url": server.url, **endpoint})
    return RemoteAction(name, ActionServer(config, DOMAIN)).run(tracker(), DOMAIN, NLG, "rest")


def test_request_carries_every_event_the_domain_and_the_auth(server: FakeServer) -> None:
    run(server, token="s3cret", headers={"X-Bot": "parley"}, basic_auth={"username": "u", "password": "p"})
    request = server.requests[0]
    body = request["body"]
    assert body["next_action"] == "action_weather" and body["sender_id"] == "alice"
    assert [e["event"] for e in body["tracker"]["events"]] == ["action", "user"]
    assert body["tracker"]["latest_message"]["intent"]["name"] == "greet"
    assert body["domain"]["actions"][0] == "action_weather" and body["version"].startswith("3.")
    assert request["path"] == "/webhook?token=s3cret"
    assert request["headers"]["X-Bot"] == "parley" and request["headers"]["Authorization"].startswith("Basic ")


def test_selective_domain_only_goes_to_actions_that_need_it(server: FakeServer) -> None:
    for name in ("action_weather", "action_profile", "validate_x_form"):
        run(server, name, enable_selective_domain=True)
    assert ["domain" in r["body"] for r in server.requests] == [False, True, True]


def test_domain_is_resent_when_the_sdk_has_not_cached_it(server: FakeServer) -> None:
    server.handler = lambda r: (200, {"events": []}) if "domain" in r["body"] else (449, {"error": "no domain"})
    assert run(server, enable_selective_domain=True) == []
    assert ["domain" in r["body"] for r in server.requests] == [False, True]


def test_responses_render_before_events_with_rasas_rules(server: FakeServer) -> None:
    server.handler = lambda r: (200, {
        "events": [{"event": "slot", "timestamp": None, "name": "temp", "value": 21}],
        "responses": [
            {"response": "utter_temp", "temp": 21, "city": "Rome", "text": None, "buttons": [], "image": None},
            {"text": "Pick", "buttons": [{"title": "A", "payload": "/a"}], "custom": {}, "flag": "x", "image": None},
            {"response": "utter_missing"},
        ],
    })
    events = run(server)
    assert [e.type_name for e in events] == ["bot", "bot", "slot"]
    first, second, slot = events
    assert first.text == "It is 21 degrees in Rome."
    # As in Rasa, the template arguments also land in the bot event's metadata.
    assert first.metadata == {"utter_action": "utter_temp", "temp": 21, "city": "Rome"}
    assert second.data["buttons"] == [{"title": "A", "payload": "/a"}] and second.metadata == {"flag": "x"}
    assert set(second.data) == {"elements", "quick_replies", "buttons", "attachment", "image", "custom"}
    assert (slot.name, slot.value) == ("temp", 21)


def test_400_with_action_name_is_a_rejection(server: FakeServer) -> None:
    server.handler = lambda r: (400, {"error": "not now", "action_name": "action_weather"})
    with pytest.raises(ActionExecutionRejection) as caught:
        run(server)
    assert caught.value.action_name == "action_weather"


@pytest.mark.parametrize(
    "reply",
    [
        (404, {"error": "No registered action found for name 'action_weather'.", "action_name": "action_weather"}),
        (500, {"error": "boom", "request_body": {}}),
        (400, {"error": "Invalid body request"}),
        (200, {"events": [{"event": "no_such_event"}], "responses": []}),
        (200, {"events": [{"event": "slot"}]}),
        (200, b"not json"),
        (200, ["a list"]),
    ],
)
def test_every_other_failure_is_an_action_server_error(server: FakeServer, reply: tuple) -> None:
    server.handler = lambda r: reply
    with pytest.raises(ActionServerError):
        run(server)


def test_unreachable_server_timeout_and_missing_endpoint() -> None:
    slow = FakeServer(lambda r: (-1, 2.0))
    try:
        with pytest.raises(ActionServerError, match="cannot reach"):
            run(slow, timeout=0.2)
    finally:
        slow.close()
    dead = FakeServer(lambda r: (200, {}))
    dead.close()
    with pytest.raises(ActionServerError):
        run(dead)
    with pytest.raises(ActionServerError, match="no action_endpoint"):
        RemoteAction("action_weather", ActionServer(None, DOMAIN)).run(tracker(), DOMAIN, NLG, None)


class CallsWeather(Policy):
    def predict(self, tracker: DialogueStateTracker, domain: Domain) -> PolicyPrediction:
        done = tracker.latest_action_name == "action_weather"
        return self.prediction(domain, {"action_listen" if done else "action_weather": 1.0})


def test_processor_logs_a_failed_custom_action_and_keeps_the_conversation(server: FakeServer) -> None:
    server.handler = lambda r: (500, {"error": "boom"})
    processor = MessageProcessor(
        DOMAIN, PolicyEnsemble([CallsWeather()]), lambda t, m: {"intent": {"name": "greet"}}, "m",
        action_endpoint=EndpointConfig.from_dict({"url": server.url}),
    )
    conversation = DialogueStateTracker("bob", DOMAIN.slots)
    assert processor.handle_message(conversation, "hi") == []
    assert [e.type_name for e in conversation.events[-3:]] == ["user_featurization", "action", "action"]
    assert conversation.events[-2].action_name == "action_weather"
    server.handler = lambda r: (200, {"events": [{"event": "slot", "name": "temp", "value": 3}],
                                      "responses": [{"text": "Cold."}]})
    assert processor.handle_message(conversation, "hi") == [{"text": "Cold."}]
    assert conversation.get_slot("temp") == 3


def test_endpoint_config_reads_endpoints_yml_sections() -> None:
    assert EndpointConfig.from_dict(None) is None and EndpointConfig.from_dict({"url": None}) is None
    config = EndpointConfig.from_dict({"url": "http://x/webhook", "timeout": 5, "enable_selective_domain": "true"})
    assert config.timeout == 5.0 and config.flag("enable_selective_domain")
    from engine.errors import DataError

    with pytest.raises(DataError):
        EndpointConfig.from_dict({"url": "http://x", "headers": ["bad"]})


def test_nlg_endpoint_request_and_validation(server: FakeServer) -> None:
    nlg = CallbackResponseGenerator(EndpointConfig.from_dict({"url": server.url}))
    server.handler = lambda r: (200, {"text": "Hey from NLG", "buttons": None})
    t = tracker()
    t.update(SlotSet("temp", 4))
    assert nlg.generate("utter_temp", t, "rest", city="Oslo") == {"text": "Hey from NLG", "buttons": None}
    body = server.requests[0]["body"]
    assert body["response"] == "utter_temp" and body["arguments"] == {"city": "Oslo"}
    assert body["channel"] == {"name": "rest"} and body["tracker"]["slots"]["temp"] == 4
    server.handler = lambda r: (200, {"text": 42})
    with pytest.raises(NlgServerError):
        nlg.generate("utter_temp", t, "rest")
