"""GET /openapi.json: the document covers exactly the routes, and answers match it."""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import falcon.testing
import grpc
import pytest

from gateway.openapi import (
    DOCUMENT_PATH,
    HTTP_METHODS,
    app_operations,
    document_operations,
    load_document,
    route_key,
)
from tests.conftest import shared_path
from tests.gateway.conftest import ClientFactory
from tests.gateway.fake_engine import Failure, FakeEngine
from tests.gateway.openapi_check import check_response, resolve

FULL_CHANNELS: dict[str, Any] = {
    "rest": None,
    "callback": {"url": "http://127.0.0.1:9/cb"},
    "socketio": None,
}


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    """The full document from gateway/openapi.yml."""
    return load_document()


def full_client(make_client: ClientFactory, **overrides: Any) -> falcon.testing.TestClient:
    """A gateway with the API and every channel Parley serves."""
    return make_client(credentials=FULL_CHANNELS, enable_chat=True, **overrides)


def refs(node: Any) -> list[str]:
    """Every ``$ref`` value in ``node``."""
    if isinstance(node, dict):
        found = [node["$ref"]] if "$ref" in node else []
        return found + [ref for value in node.values() for ref in refs(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in refs(value)]
    return []


def test_every_route_is_documented_and_every_documented_route_is_served(
    make_client: ClientFactory, document: dict[str, Any]
) -> None:
    routed = app_operations(full_client(make_client).app)
    documented = document_operations(document)
    undocumented = sorted(routed - documented)
    unserved = sorted(documented - routed)
    assert not undocumented, f"routes missing from gateway/openapi.yml: {undocumented}"
    assert not unserved, f"documented but not routed: {unserved}"


def test_every_rasa_path_and_method_is_in_the_document(document: dict[str, Any]) -> None:
    import yaml

    rasa = yaml.safe_load(shared_path("reference", "rasa-http-api-3.x.yml").read_text())
    rasa_operations = {
        (route_key(path), method)
        for path, item in rasa["paths"].items()
        for method in item
        if method in HTTP_METHODS
    }
    assert rasa_operations <= document_operations(document)


def test_the_document_is_sound(document: dict[str, Any]) -> None:
    assert document["openapi"].startswith("3.")
    for ref in refs(document):
        resolve(document, {"$ref": ref})  # raises KeyError when dangling
    operation_ids: list[str] = []
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method not in HTTP_METHODS:
                continue
            operation_ids.append(operation["operationId"])
            declared = {
                p["name"] for p in resolve(document, operation.get("parameters", []))
                if p["in"] == "path"
            }
            assert declared == set(re.findall(r"{(\w+)}", path)), f"{method} {path}"
            for status, response in resolve(document, operation["responses"]).items():
                if status.startswith(("4", "5")):
                    schema = response["content"]["application/json"]["schema"]
                    assert schema == resolve(document, {"$ref": "#/components/schemas/Error"})
            if operation.get("requestBody"):
                assert "413" in operation["responses"], f"{method} {path} has no 413"
            if operation.get("security") != []:
                assert {"401", "403"} <= set(operation["responses"]), f"{method} {path}"
    assert len(operation_ids) == len(set(operation_ids))


def test_the_document_is_served_as_json_without_auth(make_client: ClientFactory) -> None:
    client = full_client(make_client, auth_token="secret")
    result = client.simulate_get("/openapi.json")
    assert result.status_code == 200
    assert result.headers["content-type"] == "application/json"
    served = result.json
    assert served["openapi"].startswith("3.")
    assert served["info"]["version"] == client.simulate_get("/").text.split(": ")[1]
    assert "/webhooks/socketio/" in served["paths"]


def test_the_served_document_lists_only_what_this_server_routes(
    make_client: ClientFactory, document: dict[str, Any]
) -> None:
    client = make_client(enable_api=False)
    served = client.simulate_get("/openapi.json").json
    assert document_operations(served) == app_operations(client.app)
    assert {"/", "/version", "/webhooks/rest/", "/webhooks/rest/webhook", "/openapi.json"} <= set(
        served["paths"]
    )
    assert not [path for path in served["paths"] if path.startswith(("/model", "/conv", "/status"))]
    assert served["components"] == document["components"]


def test_the_file_is_in_the_gateway_package() -> None:
    assert DOCUMENT_PATH == Path(__file__).resolve().parents[2] / "gateway" / "openapi.yml"


def check(document: dict[str, Any], result: Any, template: str, method: str) -> None:
    """Check a test-client result against the document."""
    media = (result.headers.get("content-type") or "").split(";")[0]
    body = result.json if media == "application/json" else result.text
    check_response(document, template, method, result.status_code, media or None, body)


def test_answers_of_the_gateway_match_the_document(
    make_client: ClientFactory, fake: FakeEngine, document: dict[str, Any]
) -> None:
    client = full_client(make_client)
    fake.messages = [
        {"text": "Hi\n\nthere", "buttons": [{"title": "Yes", "payload": "/affirm"}]},
        {"image": "https://img.example/a.png", "custom": {"x": 1}, "attachment": {"k": "v"}},
    ]
    webhook = {"sender": 7, "message": "hi", "metadata": {"a": 1}}
    cases = [
        ("GET", "/", "/", None),
        ("GET", "/version", "/version", None),
        ("GET", "/status", "/status", None),
        ("GET", "/openapi.json", "/openapi.json", None),
        ("POST", "/model/parse", "/model/parse", {"text": "hello"}),
        ("GET", "/webhooks/rest/", "/webhooks/rest/", None),
        ("GET", "/webhooks/callback/", "/webhooks/callback/", None),
        ("GET", "/webhooks/socketio/", "/webhooks/socketio/", None),
        ("POST", "/webhooks/rest/webhook", "/webhooks/rest/webhook", webhook),
        ("POST", "/webhooks/rest/webhook?stream=true", "/webhooks/rest/webhook", webhook),
        ("POST", "/webhooks/callback/webhook", "/webhooks/callback/webhook", webhook),
        # client mistakes
        ("POST", "/model/parse", "/model/parse", {"text": 5}),
        ("POST", "/model/parse?emulation_mode=x", "/model/parse", {"text": "a"}),
        ("GET", "/conversations/a/tracker?include_events=x",
         "/conversations/{conversation_id}/tracker", None),
        ("POST", "/webhooks/rest/webhook", "/webhooks/rest/webhook", {"sender": "a"}),
        ("POST", "/webhooks/callback/webhook", "/webhooks/callback/webhook", [1]),
    ]
    for method, path, template, body in cases:
        result = client.simulate_request(method, path, json=body)
        assert result.status_code < 500, (method, path, result.text)
        check(document, result, template, method)


@pytest.mark.parametrize(
    ("code", "status"),
    [
        (grpc.StatusCode.FAILED_PRECONDITION, 409),
        (grpc.StatusCode.UNAVAILABLE, 503),
        (grpc.StatusCode.DEADLINE_EXCEEDED, 504),
        (grpc.StatusCode.INTERNAL, 500),
    ],
)
def test_engine_failures_match_the_document(
    make_client: ClientFactory,
    fake: FakeEngine,
    document: dict[str, Any],
    code: grpc.StatusCode,
    status: int,
) -> None:
    client = full_client(make_client)
    for rpc in ("Parse", "HandleMessage", "GetStatus"):
        fake.failures[rpc] = Failure(code, "boom")
    for method, path, body in [
        ("POST", "/model/parse", {"text": "hi"}),
        ("GET", "/status", None),
        ("POST", "/webhooks/rest/webhook", {"message": "hi"}),
        ("POST", "/webhooks/callback/webhook", {"message": "hi"}),
    ]:
        result = client.simulate_request(method, path, json=body)
        assert result.status_code == status
        check(document, result, path, method)


def test_auth_and_size_errors_match_the_document(
    make_client: ClientFactory, document: dict[str, Any]
) -> None:
    client = full_client(make_client, auth_token="t", max_body_bytes=30)
    check(document, client.simulate_get("/status"), "/status", "GET")
    too_big = client.simulate_post("/webhooks/rest/webhook", json={"message": "x" * 40})
    assert too_big.status_code == 413
    check(document, too_big, "/webhooks/rest/webhook", "POST")


def test_rasas_captured_answers_match_the_document(document: dict[str, Any]) -> None:
    folder = shared_path("notes", "rasa-ref-responses")
    checked = 0
    for file in sorted(folder.glob("*.json")):
        capture = json.loads(file.read_text())
        if "request" not in capture:
            continue
        request, response = capture["request"], capture["response"]
        template = _template(document, request["path"].split("?")[0], request["method"].lower())
        if template is None or "body_json" not in response or response["status"] >= 500:
            continue
        body = response["body_json"]
        if template == "/status" and response["status"] == 200:
            body = {**body, "fingerprint": {}}  # Parley's superset of 3.x's /status
        headers = dict((k.lower(), v) for k, v in response["headers"])
        check_response(
            document, template, request["method"], response["status"],
            headers.get("content-type"), body,
        )
        checked += 1
    assert checked >= 25


def _template(document: dict[str, Any], path: str, method: str) -> str | None:
    for template, item in document["paths"].items():
        pattern = re.escape(template).replace(r"\{conversation_id\}", ".+")
        if method in item and re.fullmatch(pattern, path):
            return template
    return None
