"""``GET /chat``: served only when enabled, public, told whether the API is on."""
from __future__ import annotations

import pytest

from gateway.settings import ConfigError, GatewaySettings
from tests.gateway.conftest import ClientFactory


def test_chat_page_is_served_when_enabled(make_client: ClientFactory) -> None:
    result = make_client(enable_chat=True).simulate_get("/chat")
    assert result.status_code == 200
    assert result.headers["content-type"].startswith("text/html")
    page = result.text
    assert 'window.PARLEY_CHAT = {"api": true, "webhook": "/webhooks/rest/webhook"};' in page
    for element in ('id="messages"', 'id="composer"', 'id="debug"', 'id="restart"'):
        assert element in page


def test_chat_page_is_off_by_default(make_client: ClientFactory) -> None:
    assert make_client().simulate_get("/chat").status_code == 404


def test_chat_page_is_public_and_knows_when_the_api_is_off(make_client: ClientFactory) -> None:
    client = make_client(enable_chat=True, enable_api=False, auth_token="secret")
    result = client.simulate_get("/chat")
    assert result.status_code == 200
    assert '"api": false' in result.text


@pytest.mark.parametrize(("value", "expected"), [("true", True), ("1", True), ("false", False), ("", False)])
def test_enable_chat_comes_from_the_environment(value: str, expected: bool) -> None:
    assert GatewaySettings.from_env({"PARLEY_ENABLE_CHAT": value}).enable_chat is expected


def test_a_bad_enable_chat_value_is_a_config_error() -> None:
    with pytest.raises(ConfigError):
        GatewaySettings.from_env({"PARLEY_ENABLE_CHAT": "maybe"})
