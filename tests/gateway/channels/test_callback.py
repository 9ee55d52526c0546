"""The callback channel: /webhooks/callback/ and replies POSTed to the URL."""
from __future__ import annotations

import base64
import logging
from typing import Any, Iterator

import falcon.testing
import pytest

from gateway.settings import ConfigError
from tests.conftest import free_port
from tests.gateway.channels.receiver import Receiver, start_receiver
from tests.gateway.conftest import ClientFactory
from tests.gateway.fake_engine import FakeEngine

WEBHOOK = "/webhooks/callback/webhook"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A local HTTP server standing for the callback URL."""
    server = start_receiver()
    yield server
    server.stop()


def callback_client(make_client: ClientFactory, **credentials: Any) -> falcon.testing.TestClient:
    """A gateway serving the rest and callback channels."""
    return make_client(credentials={"rest": None, "callback": credentials})


@pytest.mark.parametrize("path", ["/webhooks/callback/", "/webhooks/callback"])
def test_health(make_client: ClientFactory, receiver: Receiver, path: str) -> None:
    client = callback_client(make_client, url=receiver.url + "/bot")
    result = client.simulate_get(path)
    assert result.status_code == 200
    assert result.json == {"status": "ok"}


def test_webhook_answers_success_after_posting_each_reply_in_order(
    make_client: ClientFactory, fake: FakeEngine, receiver: Receiver
) -> None:
    fake.messages = [{"text": "Hi there!", "image": "https://example.com/image.jpg"}]
    client = callback_client(make_client, url=receiver.url + "/bot")
    result = client.simulate_post(WEBHOOK, json={"sender": "test-id", "message": " hello\n"})
    assert result.status_code == 200
    assert result.headers["content-type"].startswith("text/plain")
    assert result.text == "success"
    assert receiver.posted() == [
        {"recipient_id": "test-id", "text": "Hi there!"},
        {"recipient_id": "test-id", "image": "https://example.com/image.jpg"},
    ]
    assert receiver.requests[0].path == "/bot"
    assert receiver.requests[0].headers["content-type"] == "application/json"
    request = fake.last("HandleMessage")
    assert (request.conversation_id, request.text) == ("test-id", "hello")
    assert (request.input_channel, request.output_channel) == ("callback", "callback")


def test_webhook_is_public_when_the_api_is_protected(
    make_client: ClientFactory, fake: FakeEngine, receiver: Receiver
) -> None:
    client = make_client(auth_token="secret", credentials={"callback": {"url": receiver.url}})
    assert client.simulate_post(WEBHOOK, json={"sender": "a", "message": "hi"}).text == "success"


def test_endpoint_headers_auth_token_and_params_are_sent(
    make_client: ClientFactory, fake: FakeEngine, receiver: Receiver
) -> None:
    fake.messages = [{"text": "hey"}]
    client = callback_client(
        make_client,
        url=receiver.url + "/bot",
        headers={"X-Api-Key": "k1"},
        basic_auth={"username": "user", "password": "pw"},
        token="tok",
        token_name="auth",
        params={"lang": "en"},
    )
    client.simulate_post(WEBHOOK, json={"sender": "a", "message": "hi"})
    (request,) = receiver.requests
    assert request.headers["x-api-key"] == "k1"
    assert request.headers["authorization"] == "Basic " + base64.b64encode(b"user:pw").decode()
    assert request.query == {"auth": ["tok"], "lang": ["en"]}


def test_a_failing_callback_is_logged_and_the_webhook_still_succeeds(
    make_client: ClientFactory,
    fake: FakeEngine,
    receiver: Receiver,
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake.messages = [{"text": "one"}, {"text": "two"}]
    receiver.answers["/bot"] = (500, None)
    client = callback_client(make_client, url=receiver.url + "/bot")
    with caplog.at_level(logging.WARNING):
        result = client.simulate_post(WEBHOOK, json={"sender": "a", "message": "hi"})
    assert (result.status_code, result.text) == (200, "success")
    assert [m["text"] for m in receiver.posted()] == ["one", "two"]
    assert "answered 500" in caplog.text


def test_an_unreachable_callback_is_logged(
    make_client: ClientFactory, fake: FakeEngine, caplog: pytest.LogCaptureFixture
) -> None:
    fake.messages = [{"text": "hey"}]
    client = callback_client(make_client, url=f"http://127.0.0.1:{free_port()}/bot")
    with caplog.at_level(logging.WARNING):
        result = client.simulate_post(WEBHOOK, json={"sender": "a", "message": "hi"})
    assert (result.status_code, result.text) == (200, "success")
    assert "Callback POST to" in caplog.text and "failed" in caplog.text


def test_redirects_are_followed_only_on_the_same_host(
    make_client: ClientFactory,
    fake: FakeEngine,
    receiver: Receiver,
    caplog: pytest.LogCaptureFixture,
) -> None:
    other = start_receiver()
    try:
        fake.messages = [{"text": "hey"}]
        receiver.answers["/old"] = (307, "/new")
        receiver.answers["/away"] = (308, other.url + "/steal")
        client = callback_client(make_client, url=receiver.url + "/old", token="secret")
        client.simulate_post(WEBHOOK, json={"sender": "a", "message": "hi"})
        assert [r.path for r in receiver.requests] == ["/old", "/new"]
        assert receiver.requests[1].json() == {"recipient_id": "a", "text": "hey"}

        client = callback_client(make_client, url=receiver.url + "/away", token="secret")
        with caplog.at_level(logging.WARNING):
            result = client.simulate_post(WEBHOOK, json={"sender": "a", "message": "hi"})
        assert result.text == "success"
        assert other.requests == []
        assert "redirected to another host" in caplog.text
    finally:
        other.stop()


@pytest.mark.parametrize(
    ("body", "parameter"),
    [({"sender": "a"}, "message"), ({"sender": [1], "message": "hi"}, "sender"), ([], "body")],
)
def test_wrong_body_is_400_and_posts_nothing(
    make_client: ClientFactory, fake: FakeEngine, receiver: Receiver, body: Any, parameter: str
) -> None:
    client = callback_client(make_client, url=receiver.url)
    result = client.simulate_post(WEBHOOK, json=body)
    assert result.status_code == 400
    assert result.json["details"]["parameter"] == parameter
    assert not fake.requests and not receiver.requests


def test_body_over_the_limit_is_413(make_client: ClientFactory, receiver: Receiver) -> None:
    client = make_client(max_body_bytes=50, credentials={"callback": {"url": receiver.url}})
    result = client.simulate_post(WEBHOOK, json={"sender": "a", "message": "x" * 100})
    assert result.status_code == 413
    assert result.json["reason"] == "PayloadTooLarge"


@pytest.mark.parametrize(
    "credentials",
    [None, {}, {"url": "ftp://example.com"}, {"url": "http://"}, {"url": "http://x", "timeout": 0},
     {"url": "http://x", "basic_auth": {"username": "u"}}, {"url": "http://x", "headers": [1]}],
)
def test_unusable_credentials_stop_the_start(
    make_client: ClientFactory, credentials: Any
) -> None:
    with pytest.raises(ConfigError):
        make_client(credentials={"callback": credentials})


def test_unknown_credential_keys_are_logged(
    make_client: ClientFactory, receiver: Receiver, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        make_client(credentials={"callback": {"url": receiver.url, "colour": "red"}})
    assert "colour" in caplog.text
