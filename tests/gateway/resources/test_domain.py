"""GET /domain: JSON or YAML by Accept, 406 otherwise."""
from __future__ import annotations

import falcon.testing
import grpc
import pytest

from gateway.resources.domain import domain_format
from protos import engine_pb2
from tests.gateway.fake_engine import DOMAIN, Failure, FakeEngine


@pytest.mark.parametrize("accept", [None, "application/json", "text/json", "application/json; charset=utf-8"])
def test_domain_is_json_by_default_and_for_json(
    client: falcon.testing.TestClient, fake: FakeEngine, accept: str | None
) -> None:
    result = client.simulate_get("/domain", headers={"Accept": accept} if accept else {})
    assert result.status_code == 200
    assert result.headers["content-type"] == "application/json"
    assert result.json == DOMAIN


@pytest.mark.parametrize("accept", ["application/x-yaml", "application/yaml", "text/yml"])
def test_domain_is_yaml_for_yaml_types(client: falcon.testing.TestClient, fake: FakeEngine, accept: str) -> None:
    result = client.simulate_get("/domain", headers={"Accept": accept})
    assert result.status_code == 200
    assert result.headers["content-type"] == "application/x-yaml"
    assert result.text.startswith("version: '3.1'")
    assert fake.last("GetDomain").format == engine_pb2.DOMAIN_FORMAT_YAML


@pytest.mark.parametrize("accept", ["*/*", "text/html", "application/xml"])
def test_other_accept_values_are_406(client: falcon.testing.TestClient, accept: str) -> None:
    result = client.simulate_get("/domain", headers={"Accept": accept})
    assert result.status_code == 406
    assert result.json["reason"] == "NotAcceptable"
    assert "application/x-yaml" in result.json["message"]


def test_no_model_is_409_even_with_a_bad_accept(client: falcon.testing.TestClient, fake: FakeEngine) -> None:
    fake.failures["GetDomain"] = Failure(grpc.StatusCode.FAILED_PRECONDITION, "No agent loaded.", reason="Conflict")
    assert client.simulate_get("/domain", headers={"Accept": "*/*"}).status_code == 409


def test_first_fitting_type_of_a_list_wins() -> None:
    assert domain_format("text/html, application/x-yaml") == engine_pb2.DOMAIN_FORMAT_YAML
    assert domain_format("application/json, application/x-yaml") == engine_pb2.DOMAIN_FORMAT_JSON
    assert domain_format("") == engine_pb2.DOMAIN_FORMAT_JSON
