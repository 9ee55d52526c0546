"""App wiring: API switch, body limit, CORS, channels, entry point, imports."""
from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import falcon.testing
import pytest

from gateway.app import get_app
from tests.conftest import REPO
from tests.gateway.conftest import ClientFactory
from tests.gateway.fake_engine import FakeEngine, FakeEngineServer


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/status"), ("POST", "/model/parse"), ("GET", "/conversations/u1/tracker")],
)
def test_api_routes_are_absent_without_enable_api(
    make_client: ClientFactory, fake: FakeEngine, method: str, path: str
) -> None:
    client = make_client(enable_api=False)
    result = client.simulate_request(method, path, json={"text": "hi"})
    assert result.status_code == 404
    assert result.json["reason"] == "NotFound"
    assert not fake.requests


def test_root_and_version_exist_without_enable_api(make_client: ClientFactory) -> None:
    client = make_client(enable_api=False)
    assert client.simulate_get("/").status_code == 200
    assert client.simulate_get("/version").status_code == 200


def test_body_over_the_limit_is_413(make_client: ClientFactory, fake: FakeEngine) -> None:
    client = make_client(max_body_bytes=64)
    result = client.simulate_post("/model/parse", json={"text": "x" * 100})
    assert result.status_code == 413
    assert result.json["status"] == "failure"
    assert result.json["code"] == 413
    assert not fake.requests
    assert client.simulate_post("/model/parse", json={"text": "x" * 10}).status_code == 200


def test_body_over_the_limit_is_413_before_auth(make_client: ClientFactory) -> None:
    client = make_client(max_body_bytes=64, auth_token="t")
    result = client.simulate_post("/webhooks/rest/webhook", json={"message": "x" * 100})
    assert result.status_code == 413


def test_body_limit_holds_without_content_length(engine_server: FakeEngineServer) -> None:
    import asyncio

    from gateway.body import BodyReader
    from gateway.errors import ApiError

    class Stream:
        async def read(self, size: int) -> bytes:
            return b"y" * size

    class Request:
        stream = Stream()

    with pytest.raises(ApiError) as info:
        asyncio.run(BodyReader(10).read(Request()))  # type: ignore[arg-type]
    assert info.value.status_code == 413


def test_cors_headers_for_allowed_origins(make_client: ClientFactory) -> None:
    client = make_client(cors_origins=("https://shop.example",))
    result = client.simulate_get("/version", headers={"Origin": "https://shop.example"})
    assert result.headers["access-control-allow-origin"] == "https://shop.example"
    assert result.headers["access-control-expose-headers"] == "filename"
    assert result.headers["access-control-allow-credentials"] == "true"
    other = client.simulate_get("/version", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in other.headers


def test_cors_star_allows_any_origin_and_errors_carry_it(make_client: ClientFactory) -> None:
    client = make_client(cors_origins=("*",), auth_token="t")
    result = client.simulate_get("/status", headers={"Origin": "https://any.example"})
    assert result.status_code == 401
    assert result.headers["access-control-allow-origin"] == "https://any.example"


def test_cors_preflight_is_not_blocked_by_auth(make_client: ClientFactory) -> None:
    client = make_client(cors_origins=("*",), auth_token="t")
    result = client.simulate_options(
        "/model/parse",
        headers={"Origin": "https://any.example", "Access-Control-Request-Method": "POST"},
    )
    assert result.status_code == 200
    assert "POST" in result.headers["access-control-allow-methods"]


def test_no_cors_headers_without_cors_settings(client: falcon.testing.TestClient) -> None:
    result = client.simulate_get("/version", headers={"Origin": "https://shop.example"})
    assert "access-control-allow-origin" not in result.headers


def test_credentials_without_rest_serve_no_rest_webhook(
    make_client: ClientFactory, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        client = make_client(credentials={"slack": {}, "my.module.Channel": {}, "weird": None})
    assert client.simulate_get("/webhooks/rest/").status_code == 404
    assert "slack" in caplog.text and "my.module.Channel" in caplog.text and "weird" in caplog.text


def test_get_app_reads_the_environment(
    engine_server: FakeEngineServer, fake: FakeEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ENGINE_ADDRESS", engine_server.address)
    monkeypatch.setenv("PARLEY_ENABLE_API", "true")
    monkeypatch.setenv("AUTH_TOKEN", "envtoken")
    client = falcon.testing.TestClient(get_app())
    assert client.simulate_get("/status").status_code == 401
    assert client.simulate_get("/status", params={"token": "envtoken"}).status_code == 200


def test_gateway_never_imports_the_engine() -> None:
    code = (
        "import sys, gateway.app, gateway.worker; "
        "print(sorted(m for m in sys.modules if m == 'engine' or m.startswith('engine.')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_procfile_style_config_path_exists() -> None:
    assert (Path(REPO) / "gateway" / "gunicorn_conf.py").is_file()
