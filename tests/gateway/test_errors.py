"""Error mapping: engine statuses, Falcon errors and crashes -> Rasa error JSON."""
from __future__ import annotations

from typing import Any

import falcon
import falcon.testing
import grpc
import orjson
import pytest

from gateway.app import create_app, parley_version
from gateway.engine_client import EngineClient
from gateway.errors import TIMEOUT_MESSAGE, UNAVAILABLE_MESSAGE, UNEXPECTED_MESSAGE, from_rpc_error
from gateway.settings import GatewaySettings
from tests.conftest import free_port
from tests.gateway.conftest import ClientFactory
from tests.gateway.fake_engine import Failure, FakeEngine

VERSION = parley_version()


def rasa_error(code: int, reason: str, message: str, details: Any = None, help: Any = None) -> dict[str, Any]:
    return {
        "version": VERSION,
        "status": "failure",
        "message": message,
        "reason": reason,
        "details": details or {},
        "help": help,
        "code": code,
    }


@pytest.mark.parametrize(
    ("code", "status"),
    [
        (grpc.StatusCode.INVALID_ARGUMENT, 400),
        (grpc.StatusCode.NOT_FOUND, 404),
        (grpc.StatusCode.FAILED_PRECONDITION, 409),
        (grpc.StatusCode.ABORTED, 409),
        (grpc.StatusCode.PERMISSION_DENIED, 403),
        (grpc.StatusCode.UNAUTHENTICATED, 401),
        (grpc.StatusCode.UNAVAILABLE, 503),
        (grpc.StatusCode.DEADLINE_EXCEEDED, 504),
        (grpc.StatusCode.INTERNAL, 500),
        (grpc.StatusCode.UNKNOWN, 500),
        (grpc.StatusCode.RESOURCE_EXHAUSTED, 500),
    ],
)
def test_engine_error_detail_becomes_rasa_error_json(
    client: falcon.testing.TestClient, fake: FakeEngine, code: grpc.StatusCode, status: int
) -> None:
    fake.failures["GetStatus"] = Failure(
        code,
        "Something precise went wrong.",
        reason="SomeReason",
        details={"parameter": "name", "in": "body"},
        help="https://example.com/help",
    )
    result = client.simulate_get("/status")
    assert result.status_code == status
    assert result.headers["content-type"] == "application/json"
    assert result.json == rasa_error(
        status,
        "SomeReason",
        "Something precise went wrong.",
        {"parameter": "name", "in": "body"},
        "https://example.com/help",
    )


def test_no_model_conflict_passes_through_as_rasa_says_it(
    client: falcon.testing.TestClient, fake: FakeEngine
) -> None:
    message = "No agent loaded. To continue processing, a model of a trained agent needs to be loaded."
    fake.failures["Parse"] = Failure(grpc.StatusCode.FAILED_PRECONDITION, message, reason="Conflict")
    result = client.simulate_post("/model/parse", json={"text": "hi"})
    assert result.status_code == 409
    assert result.json == rasa_error(409, "Conflict", message)


@pytest.mark.parametrize(
    ("code", "status", "reason", "message"),
    [
        (grpc.StatusCode.UNAVAILABLE, 503, "ServiceUnavailable", UNAVAILABLE_MESSAGE),
        (grpc.StatusCode.DEADLINE_EXCEEDED, 504, "GatewayTimeout", TIMEOUT_MESSAGE),
        (grpc.StatusCode.INTERNAL, 500, "ServerError", UNEXPECTED_MESSAGE),
        (grpc.StatusCode.NOT_FOUND, 404, "NotFound", "engine says no"),
        (grpc.StatusCode.INVALID_ARGUMENT, 400, "BadRequest", "engine says no"),
    ],
)
def test_status_without_detail_gets_a_generic_message(
    client: falcon.testing.TestClient,
    fake: FakeEngine,
    code: grpc.StatusCode,
    status: int,
    reason: str,
    message: str,
) -> None:
    fake.failures["GetStatus"] = Failure(code, "engine says no")
    result = client.simulate_get("/status")
    assert result.status_code == status
    assert result.json == rasa_error(status, reason, message)


def test_server_error_text_from_the_engine_is_not_shown(
    client: falcon.testing.TestClient, fake: FakeEngine
) -> None:
    fake.failures["GetStatus"] = Failure(grpc.StatusCode.UNKNOWN, "Traceback: secret internals")
    result = client.simulate_get("/status")
    assert result.status_code == 500
    assert "secret" not in result.text


def test_engine_not_running_gives_503(make_client: ClientFactory) -> None:
    client = make_client(engine_address=f"127.0.0.1:{free_port()}")
    result = client.simulate_get("/version")
    assert result.status_code == 503
    assert result.json == rasa_error(503, "ServiceUnavailable", UNAVAILABLE_MESSAGE)


def test_slow_engine_gives_504(make_client: ClientFactory, fake: FakeEngine) -> None:
    fake.delay = 1.0
    result = make_client(engine_timeout=0.2).simulate_get("/status")
    assert result.status_code == 504
    assert result.json["message"] == TIMEOUT_MESSAGE


def test_unknown_route_is_404_error_json(client: falcon.testing.TestClient) -> None:
    result = client.simulate_get("/no/such/route", params={"token": "x"})
    assert result.status_code == 404
    assert result.json == rasa_error(404, "NotFound", "Requested URL /no/such/route not found")


def test_wrong_method_is_405_error_json_with_allow(client: falcon.testing.TestClient) -> None:
    result = client.simulate_get("/model/parse")
    assert result.status_code == 405
    assert "POST" in result.headers["allow"]
    assert result.json == rasa_error(405, "MethodNotAllowed", "Method GET not allowed for URL /model/parse")


def test_invalid_json_body_is_400_not_500(client: falcon.testing.TestClient) -> None:
    result = client.simulate_post(
        "/model/parse", body="{not json", headers={"Content-Type": "application/json"}
    )
    assert result.status_code == 400
    assert result.json["reason"] == "BadRequest"
    assert result.json["details"] == {"parameter": "body", "in": "body"}
    assert result.json["message"].startswith("The request body is not valid JSON")


class Boom:
    async def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        raise RuntimeError("internal detail that must stay in the log")


def test_uncaught_exception_is_generic_500_and_logged(
    engine_server: Any, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(
        GatewaySettings(engine_address=engine_server.address),
        EngineClient(engine_server.address, 5),
    )
    app.add_route("/boom", Boom())
    result = falcon.testing.TestClient(app).simulate_get("/boom")
    assert result.status_code == 500
    assert result.json == rasa_error(500, "ServerError", UNEXPECTED_MESSAGE)
    assert "internal detail" not in result.text
    assert "internal detail that must stay in the log" in caplog.text


class _RpcError(grpc.aio.AioRpcError):
    def __init__(self, code: grpc.StatusCode, trailing: Any) -> None:
        super().__init__(code, grpc.aio.Metadata(), trailing, details="raw")


def test_unreadable_error_detail_falls_back_to_the_status() -> None:
    error = from_rpc_error(
        _RpcError(
            grpc.StatusCode.NOT_FOUND,
            grpc.aio.Metadata(("parley-error-detail-bin", b"\xff\xff not a proto")),
        )
    )
    assert error.status_code == 404
    assert error.reason == "NotFound"


def test_detail_with_non_object_details_gives_empty_details() -> None:
    from protos import engine_pb2

    detail = engine_pb2.ErrorDetail(reason="BadRequest", message="m", details_json=orjson.dumps([1]))
    error = from_rpc_error(
        _RpcError(
            grpc.StatusCode.INVALID_ARGUMENT,
            grpc.aio.Metadata(("parley-error-detail-bin", detail.SerializeToString())),
        )
    )
    assert (error.status_code, error.reason, error.message, error.details) == (400, "BadRequest", "m", {})
