"""POST /model/train: query parameters, streamed archive, callback_url."""
from __future__ import annotations

import asyncio

import falcon.testing
import grpc
import orjson
import pytest

from tests.gateway.conftest import ClientFactory
from tests.gateway.fake_engine import ARCHIVE_NAME, Failure, FakeEngine
from tests.gateway.resources.conftest import Receiver

PAYLOAD = b"version: '3.1'\nintents: [greet]\nnlu:\n- intent: greet\n  examples: |\n    - hi\n"


def test_the_archive_is_streamed_with_its_file_name(client: falcon.testing.TestClient, fake: FakeEngine) -> None:
    fake.archive = bytes(range(256)) * 40
    result = client.simulate_post("/model/train", body=PAYLOAD, headers={"Content-Type": "application/yaml"})
    assert result.status_code == 200
    assert result.content == fake.archive
    assert result.headers["filename"] == ARCHIVE_NAME
    assert result.headers["content-disposition"] == f'attachment; filename="{ARCHIVE_NAME}"'
    assert result.headers["content-type"] == "application/x-tar"
    assert result.headers["content-length"] == str(len(fake.archive))
    assert fake.last("Train").payload == PAYLOAD


@pytest.mark.parametrize("content_type", ["application/json", "text/plain", "application/x-yaml"])
def test_any_content_type_is_sent_as_it_is(
    client: falcon.testing.TestClient, fake: FakeEngine, content_type: str
) -> None:
    assert client.simulate_post("/model/train", body=PAYLOAD, headers={"Content-Type": content_type}).status_code == 200
    assert fake.last("Train").payload == PAYLOAD


def test_query_parameters_are_forwarded(client: falcon.testing.TestClient, fake: FakeEngine) -> None:
    client.simulate_post("/model/train", body=PAYLOAD, params={
        "augmentation": "20", "num_threads": "2", "force_training": "true",
        "save_to_default_model_directory": "false",
    })
    request = fake.last("Train")
    assert (request.augmentation, request.num_threads) == (20, 2)
    assert request.force_training is True
    assert request.save_to_default_model_directory is False


def test_absent_or_unparsable_parameters_are_left_unset(client: falcon.testing.TestClient, fake: FakeEngine) -> None:
    client.simulate_post("/model/train", body=PAYLOAD, params={"augmentation": "lots"})
    request = fake.last("Train")
    for name in ("augmentation", "num_threads", "force_training", "save_to_default_model_directory"):
        assert not request.HasField(name)


def test_empty_payload_is_400(client: falcon.testing.TestClient, fake: FakeEngine) -> None:
    result = client.simulate_post("/model/train", body=b"  \n")
    assert result.status_code == 400
    assert not fake.requests


def test_invalid_yaml_reported_by_the_engine_is_400(client: falcon.testing.TestClient, fake: FakeEngine) -> None:
    fake.failures["Train"] = Failure(
        grpc.StatusCode.INVALID_ARGUMENT, "The request body does not contain valid training data: invalid YAML",
        reason="BadRequest", help="https://rasa.com/docs/rasa/training-data-format",
    )
    result = client.simulate_post("/model/train", body=b"this: [is not: valid")
    assert result.status_code == 400
    assert result.json["help"] == "https://rasa.com/docs/rasa/training-data-format"


def test_training_failure_is_500_training_error(client: falcon.testing.TestClient, fake: FakeEngine) -> None:
    fake.failures["Train"] = Failure(grpc.StatusCode.INTERNAL, "No training data found.", reason="TrainingError")
    result = client.simulate_post("/model/train", body=PAYLOAD)
    assert result.status_code == 500
    assert result.json["reason"] == "TrainingError"


def test_bad_callback_url_is_400(client: falcon.testing.TestClient, fake: FakeEngine) -> None:
    result = client.simulate_post("/model/train", body=PAYLOAD, params={"callback_url": "ftp://x/y"})
    assert result.status_code == 400
    assert result.json["details"] == {"parameter": "callback_url", "in": "query"}
    assert not fake.requests


async def _post_and_wait(app: object, receiver: Receiver, path: str, body: bytes, **kwargs: object) -> int:
    async with falcon.testing.ASGIConductor(app) as conductor:
        result = await conductor.simulate_post(path, body=body, **kwargs)
        for _ in range(200):
            if receiver.posts:
                break
            await asyncio.sleep(0.025)
    return result.status_code


def test_callback_gets_the_archive_after_a_204(
    make_client: ClientFactory, fake: FakeEngine, receiver: Receiver
) -> None:
    app = make_client().app
    status = asyncio.run(_post_and_wait(app, receiver, "/model/train", PAYLOAD,
                                        params={"callback_url": receiver.url}))
    assert status == 204
    [(path, headers, body)] = receiver.posts
    assert path == "/hook"
    assert body == fake.archive
    assert headers["content-type"] == "application/x-tar"
    assert headers["filename"] == ARCHIVE_NAME


def test_callback_gets_the_error_json_when_training_fails(
    make_client: ClientFactory, fake: FakeEngine, receiver: Receiver
) -> None:
    fake.failures["Train"] = Failure(grpc.StatusCode.INTERNAL, "No training data found.", reason="TrainingError")
    app = make_client().app
    status = asyncio.run(_post_and_wait(app, receiver, "/model/train", PAYLOAD,
                                        params={"callback_url": receiver.url}))
    assert status == 204
    [(_, headers, body)] = receiver.posts
    error = orjson.loads(body)
    assert (error["code"], error["reason"], error["status"]) == (500, "TrainingError", "failure")
    assert headers["content-type"] == "application/json"
