"""CORS on every route: preflight, credentials, exposed headers, errors, channels."""
from __future__ import annotations

from typing import Any

import falcon.testing
import pytest

from gateway.openapi import app_operations
from tests.gateway.conftest import ClientFactory

ORIGIN = "https://shop.example"
ALL_CHANNELS: dict[str, Any] = {
    "rest": None,
    "callback": {"url": "http://127.0.0.1:9/cb"},
    "socketio": None,
}


def concrete(template: str) -> str:
    """A request path for a route template."""
    return template.replace("{conversation_id}", "team/a+b")


def cors_client(
    make_client: ClientFactory, *origins: str, **overrides: Any
) -> falcon.testing.TestClient:
    """A gateway with every channel, the API, a token and these CORS origins."""
    values: dict[str, Any] = {
        "cors_origins": origins,
        "auth_token": "t",
        "credentials": ALL_CHANNELS,
    }
    values.update(overrides)
    return make_client(**values)


def test_preflight_succeeds_on_every_route(make_client: ClientFactory) -> None:
    client = cors_client(make_client, ORIGIN)
    operations = app_operations(client.app)
    assert ("/webhooks/callback/webhook", "post") in operations
    for template, method in sorted(operations):
        result = client.simulate_options(
            concrete(template),
            headers={
                "Origin": ORIGIN,
                "Access-Control-Request-Method": method.upper(),
                "Access-Control-Request-Headers": "content-type, authorization",
            },
        )
        where = f"{method.upper()} {template}"
        assert result.status_code == 200, where
        assert method.upper() in result.headers["access-control-allow-methods"], where
        assert result.headers["access-control-allow-origin"] == ORIGIN, where
        assert result.headers["access-control-allow-credentials"] == "true", where
        assert result.headers["access-control-allow-headers"] == "content-type, authorization"
        assert "origin" in result.headers["vary"].lower(), where


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("POST", "/webhooks/rest/webhook", {"sender": "a", "message": "hi"}, 200),
        ("GET", "/webhooks/socketio/", None, 200),
        ("GET", "/openapi.json", None, 200),
        ("GET", "/status", None, 401),
        ("GET", "/no/such/route", None, 404),
        ("DELETE", "/webhooks/rest/webhook", None, 405),
        ("POST", "/webhooks/rest/webhook", ["not", "an", "object"], 400),
    ],
)
def test_answers_and_errors_carry_the_cors_headers(
    make_client: ClientFactory, method: str, path: str, body: Any, status: int
) -> None:
    client = cors_client(make_client, ORIGIN)
    result = client.simulate_request(method, path, json=body, headers={"Origin": ORIGIN})
    assert result.status_code == status
    assert result.headers["access-control-allow-origin"] == ORIGIN
    assert result.headers["access-control-allow-credentials"] == "true"
    assert result.headers["access-control-expose-headers"] == "filename"


def test_413_carries_the_cors_headers(make_client: ClientFactory) -> None:
    client = cors_client(make_client, ORIGIN, max_body_bytes=10)
    result = client.simulate_post(
        "/webhooks/rest/webhook", json={"message": "x" * 50}, headers={"Origin": ORIGIN}
    )
    assert result.status_code == 413
    assert result.headers["access-control-allow-origin"] == ORIGIN


def test_other_origins_get_no_cors_headers(make_client: ClientFactory) -> None:
    client = cors_client(make_client, ORIGIN, "https://admin.example")
    other = {"Origin": "https://evil.example"}
    result = client.simulate_get("/webhooks/rest/", headers=other)
    assert "access-control-allow-origin" not in result.headers
    preflight = client.simulate_options(
        "/webhooks/rest/webhook", headers={**other, "Access-Control-Request-Method": "POST"}
    )
    assert "access-control-allow-origin" not in preflight.headers
    assert "access-control-allow-methods" not in preflight.headers
    second = client.simulate_get("/webhooks/rest/", headers={"Origin": "https://admin.example"})
    assert second.headers["access-control-allow-origin"] == "https://admin.example"


def test_star_echoes_any_origin_with_credentials(make_client: ClientFactory) -> None:
    client = cors_client(make_client, "*")
    result = client.simulate_get("/webhooks/rest/", headers={"Origin": "https://any.example"})
    assert result.headers["access-control-allow-origin"] == "https://any.example"
    assert result.headers["access-control-allow-credentials"] == "true"
    assert result.headers["vary"] == "Origin"


def test_requests_without_origin_get_no_cors_headers(make_client: ClientFactory) -> None:
    result = cors_client(make_client, "*").simulate_get("/webhooks/rest/")
    assert "access-control-allow-origin" not in result.headers


def test_without_cors_settings_preflight_grants_nothing(make_client: ClientFactory) -> None:
    client = make_client(credentials=ALL_CHANNELS)
    result = client.simulate_options(
        "/webhooks/rest/webhook",
        headers={"Origin": ORIGIN, "Access-Control-Request-Method": "POST"},
    )
    assert "access-control-allow-origin" not in result.headers
