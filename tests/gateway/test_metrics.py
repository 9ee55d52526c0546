"""Gateway /metrics and the access log: requests by route template and status, tokens masked."""
from __future__ import annotations

import logging
import re

import falcon.testing
import orjson
import pytest

from gateway.access_log import AccessLogMiddleware, access_format, mask_query
from gateway.app import create_app
from gateway.engine_client import EngineClient
from gateway.metrics import GatewayMetrics
from gateway.observability import Observability
from gateway.settings import GatewaySettings
from tests.gateway.fake_engine import FakeEngine, FakeEngineServer


def make_app(engine_server: FakeEngineServer, observability: Observability | None = None,
             **overrides: object) -> falcon.testing.TestClient:
    settings = GatewaySettings(engine_address=engine_server.address, enable_api=True, engine_timeout=5.0,
                               **overrides)  # type: ignore[arg-type]
    engine = EngineClient(settings.engine_address, settings.engine_timeout)
    return falcon.testing.TestClient(create_app(settings, engine, observability=observability))


def metric(text: str, name: str, **labels: str) -> float:
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in text.splitlines():
        found = re.fullmatch(rf"{name}\{{(.*)\}} (\S+)", line)
        if found and ",".join(sorted(found.group(1).split(","))) == wanted:
            return float(found.group(2))
    return 0.0


def test_metrics_count_requests_by_route_template_and_status(
    engine_server: FakeEngineServer, fake: FakeEngine
) -> None:
    client = make_app(engine_server)
    client.simulate_get("/conversations/alice/tracker")
    client.simulate_get("/conversations/bob/tracker")
    client.simulate_get("/no/such/path")
    reply = client.simulate_get("/metrics")
    assert reply.status_code == 200 and reply.headers["content-type"].startswith("text/plain")
    text = reply.text
    route = "/conversations/{conversation_id}/tracker"
    assert metric(text, "parley_gateway_requests_total", method="GET", route=route, status="200") == 2
    assert metric(text, "parley_gateway_requests_total", method="GET", route="unmatched", status="404") == 1
    assert metric(text, "parley_gateway_request_duration_seconds_count", method="GET", route=route,
                  status="200") == 2


def test_engine_errors_are_counted_with_their_status(engine_server: FakeEngineServer, fake: FakeEngine) -> None:
    import grpc

    from tests.gateway.fake_engine import Failure

    fake.failures["GetStatus"] = Failure(grpc.StatusCode.UNAVAILABLE, "store down")
    client = make_app(engine_server)
    assert client.simulate_get("/status").status_code == 503
    text = client.simulate_get("/metrics").text
    assert metric(text, "parley_gateway_requests_total", method="GET", route="/status", status="503") == 1


def test_metrics_stay_public_when_the_api_needs_a_token(engine_server: FakeEngineServer, fake: FakeEngine) -> None:
    client = make_app(engine_server, auth_token="s3cret")
    assert client.simulate_get("/status").status_code == 401
    assert client.simulate_get("/metrics").status_code == 200


def test_metrics_can_be_turned_off(engine_server: FakeEngineServer, fake: FakeEngine) -> None:
    client = make_app(engine_server, Observability.from_env({"PARLEY_METRICS": "off"}))
    assert client.simulate_get("/metrics").status_code == 404


def test_workers_share_one_exposition_in_multiprocess_mode(tmp_path: object) -> None:
    # Without PROMETHEUS_MULTIPROC_DIR at import time prometheus_client keeps values in memory,
    # so this only checks that the multiprocess collector reads the directory it is given.
    metrics = GatewayMetrics(multiprocess_dir=str(tmp_path))
    body, content_type = metrics.text()
    assert content_type.startswith("text/plain") and isinstance(body, bytes)


def test_tokens_are_masked() -> None:
    assert mask_query("token=s3cret&sender=al") == "token=***&sender=al"
    assert mask_query("access_token=x&stream=true") == "access_token=***&stream=true"
    assert mask_query("") == ""


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_access_log_has_one_line_per_request_without_the_token(
    engine_server: FakeEngineServer, fake: FakeEngine, fmt: str, caplog: pytest.LogCaptureFixture
) -> None:
    logger = logging.getLogger(f"test.access.{fmt}")
    client = make_app(engine_server, Observability(access_log=AccessLogMiddleware(fmt, logger)),
                      auth_token="s3cret")
    with caplog.at_level(logging.INFO, logger=logger.name):
        client.simulate_get("/status", query_string="token=s3cret")
    lines = [r.getMessage() for r in caplog.records if r.name == logger.name]
    assert len(lines) == 1 and "s3cret" not in lines[0]
    if fmt == "json":
        entry = orjson.loads(lines[0])
        assert entry["route"] == "/status" and entry["status"] == 200 and entry["query"] == "token=***"
    else:
        assert '"GET /status?token=***" 200' in lines[0]


def test_access_log_format_is_checked() -> None:
    assert access_format({}) == "text"
    assert access_format({"PARLEY_ACCESS_LOG": "JSON"}) == "json"
    with pytest.raises(ValueError, match="PARLEY_ACCESS_LOG"):
        access_format({"PARLEY_ACCESS_LOG": "xml"})
