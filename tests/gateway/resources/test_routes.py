"""Every HTTP API route: present only with the API enabled, and Rasa's auth matrix."""
from __future__ import annotations

from typing import Any

import jwt
import pytest

from tests.gateway.conftest import ClientFactory
from tests.gateway.fake_engine import FakeEngine

SECRET = "route-matrix-secret-long-enough-for-hs256"
EVENT = {"event": "slot", "name": "a", "value": 1}
YAML = {"Content-Type": "application/x-yaml"}

# (method, path, keyword arguments of simulate_request, status when allowed)
CONVERSATION_ROUTES: list[tuple[str, str, dict[str, Any], int]] = [
    ("GET", "/conversations/alice/tracker", {}, 200),
    ("POST", "/conversations/alice/tracker/events", {"json": EVENT}, 200),
    ("PUT", "/conversations/alice/tracker/events", {"json": [EVENT]}, 200),
    ("GET", "/conversations/alice/story", {}, 200),
    ("POST", "/conversations/alice/execute", {"json": {"name": "utter_greet"}}, 200),
    ("POST", "/conversations/alice/trigger_intent", {"json": {"name": "greet"}}, 200),
    ("POST", "/conversations/alice/predict", {}, 200),
    ("POST", "/conversations/alice/messages", {"json": {"text": "hi", "sender": "user"}}, 200),
]
OTHER_ROUTES: list[tuple[str, str, dict[str, Any], int]] = [
    ("GET", "/status", {}, 200),
    ("POST", "/model/train", {"body": b"nlu: []", "headers": YAML}, 200),
    ("POST", "/model/test/stories", {"body": b"stories: []", "headers": YAML}, 200),
    ("POST", "/model/test/intents", {"body": b"nlu: []", "headers": YAML}, 200),
    ("POST", "/model/predict", {"json": [EVENT]}, 200),
    ("POST", "/model/parse", {"json": {"text": "hi"}}, 200),
    ("PUT", "/model", {"json": {"model_file": "m.tar.gz"}}, 204),
    ("DELETE", "/model", {}, 204),
    ("GET", "/domain", {"headers": {"Accept": "application/json"}}, 200),
]
ALL_ROUTES = CONVERSATION_ROUTES + OTHER_ROUTES


def bearer(username: str, role: str) -> dict[str, str]:
    token = jwt.encode({"user": {"username": username, "role": role}}, SECRET, algorithm="HS256")
    return {"Authorization": f"Bearer {token}"}


def call(client: Any, method: str, path: str, kwargs: dict[str, Any], headers: dict[str, str] | None = None,
         params: dict[str, str] | None = None) -> Any:
    merged = {**kwargs.get("headers", {}), **(headers or {})}
    rest = {k: v for k, v in kwargs.items() if k != "headers"}
    return client.simulate_request(method, path, headers=merged, params=params or {}, **rest)


@pytest.mark.parametrize(("method", "path", "kwargs", "status"), ALL_ROUTES)
def test_every_route_is_served_without_auth_config(
    make_client: ClientFactory, fake: FakeEngine, method: str, path: str, kwargs: dict, status: int
) -> None:
    assert call(make_client(), method, path, kwargs).status_code == status


@pytest.mark.parametrize(("method", "path", "kwargs", "status"), ALL_ROUTES)
def test_no_route_exists_without_enable_api(
    make_client: ClientFactory, fake: FakeEngine, method: str, path: str, kwargs: dict, status: int
) -> None:
    assert call(make_client(enable_api=False), method, path, kwargs).status_code == 404
    assert not fake.requests


@pytest.mark.parametrize(("method", "path", "kwargs", "status"), ALL_ROUTES)
def test_token_auth(
    make_client: ClientFactory, fake: FakeEngine, method: str, path: str, kwargs: dict, status: int
) -> None:
    client = make_client(auth_token="rasa")
    missing = call(client, method, path, kwargs)
    assert missing.status_code == 401 and missing.json["reason"] == "NotAuthenticated"
    assert call(client, method, path, kwargs, params={"token": "wrong"}).status_code == 401
    assert not fake.requests
    assert call(client, method, path, kwargs, params={"token": "rasa"}).status_code == status


@pytest.mark.parametrize(("method", "path", "kwargs", "status"), ALL_ROUTES)
def test_admin_jwt_reaches_every_route(
    make_client: ClientFactory, fake: FakeEngine, method: str, path: str, kwargs: dict, status: int
) -> None:
    client = make_client(jwt_secret=SECRET)
    assert call(client, method, path, kwargs, bearer("bob", "admin")).status_code == status


@pytest.mark.parametrize(("method", "path", "kwargs", "status"), CONVERSATION_ROUTES)
def test_user_jwt_reaches_only_its_own_conversation(
    make_client: ClientFactory, fake: FakeEngine, method: str, path: str, kwargs: dict, status: int
) -> None:
    client = make_client(jwt_secret=SECRET)
    assert call(client, method, path, kwargs, bearer("alice", "user")).status_code == status
    other = call(client, method, path.replace("alice", "bob"), kwargs, bearer("alice", "user"))
    assert other.status_code == 403 and other.json["reason"] == "NotAuthorized"


@pytest.mark.parametrize(("method", "path", "kwargs", "status"), OTHER_ROUTES)
def test_user_jwt_is_403_on_routes_without_a_conversation(
    make_client: ClientFactory, fake: FakeEngine, method: str, path: str, kwargs: dict, status: int
) -> None:
    client = make_client(jwt_secret=SECRET)
    result = call(client, method, path, kwargs, bearer("alice", "user"))
    assert result.status_code == 403
    assert not fake.requests
