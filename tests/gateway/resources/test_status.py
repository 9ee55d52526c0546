"""GET /, /version and /status."""
from __future__ import annotations

import falcon.testing

from gateway.app import parley_version
from tests.gateway.fake_engine import FakeEngine


def test_root_greets_in_plain_text(client: falcon.testing.TestClient) -> None:
    result = client.simulate_get("/")
    assert result.status_code == 200
    assert result.headers["content-type"].startswith("text/plain")
    assert result.text == f"Hello from Parley: {parley_version()}"


def test_version_comes_from_the_engine(client: falcon.testing.TestClient) -> None:
    result = client.simulate_get("/version")
    assert result.status_code == 200
    assert result.headers["content-type"] == "application/json"
    assert result.json == {"version": "9.9.9", "minimum_compatible_version": "9.0.0"}


def test_status_is_the_rasa_3_and_2_superset(client: falcon.testing.TestClient) -> None:
    result = client.simulate_get("/status")
    assert result.status_code == 200
    assert result.json == {
        "model_file": "20240101-120000-brave-dog.tar.gz",
        "model_id": "abc123",
        "fingerprint": {"config": "abc", "nlu": 7},
        "num_active_training_jobs": 2,
        "jobs": [],
    }


def test_status_lists_running_jobs_with_their_stage(
    client: falcon.testing.TestClient, fake: FakeEngine
) -> None:
    job = {"id": 3, "kind": "training", "stage": "NLU: CountVectorsFeaturizer", "started_at": 1.5, "elapsed": 0.25}
    fake.jobs = [job]
    assert client.simulate_get("/status").json["jobs"] == [job]


def test_status_without_fingerprint_shows_an_empty_object(
    client: falcon.testing.TestClient, fake: FakeEngine
) -> None:
    fake.fingerprint = {}
    assert client.simulate_get("/status").json["fingerprint"] == {}
