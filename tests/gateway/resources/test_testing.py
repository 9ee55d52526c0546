"""POST /model/test/stories and /model/test/intents: bodies, parameters, callbacks."""
from __future__ import annotations

import asyncio

import falcon.testing
import grpc
import orjson
import pytest

from protos import engine_pb2
from tests.gateway.conftest import ClientFactory
from tests.gateway.fake_engine import INTENTS_REPORT, STORIES_REPORT, Failure, FakeEngine
from tests.gateway.resources.conftest import Receiver
from tests.gateway.resources.test_training import _post_and_wait

STORIES = b"stories:\n- story: s\n  steps:\n  - user: hi\n    intent: greet\n  - action: utter_greet\n"
NLU = b"nlu:\n- intent: greet\n  examples: |\n    - hi\n"
YAML = {"Content-Type": "application/x-yaml"}


def test_stories_report_is_passed_through(client: falcon.testing.TestClient, fake: FakeEngine) -> None:
    result = client.simulate_post("/model/test/stories", body=STORIES, headers=YAML)
    assert result.status_code == 200
    assert result.json == STORIES_REPORT
    assert fake.last("EvaluateStories").stories_yaml == STORIES
    assert not fake.last("EvaluateStories").e2e


def test_stories_e2e_flag_is_forwarded(client: falcon.testing.TestClient, fake: FakeEngine) -> None:
    result = client.simulate_post("/model/test/stories", body=STORIES, params={"e2e": "true"})
    assert result.json["is_end_to_end_evaluation"] is True


@pytest.mark.parametrize("path", ["/model/test/stories", "/model/test/intents"])
def test_empty_body_is_400(client: falcon.testing.TestClient, fake: FakeEngine, path: str) -> None:
    result = client.simulate_post(path, body=b"", headers=YAML)
    assert result.status_code == 400
    assert not fake.requests


def test_stories_without_a_model_is_409(client: falcon.testing.TestClient, fake: FakeEngine) -> None:
    fake.failures["EvaluateStories"] = Failure(grpc.StatusCode.FAILED_PRECONDITION, "No agent loaded.",
                                               reason="Conflict")
    assert client.simulate_post("/model/test/stories", body=STORIES).status_code == 409


def test_intents_yaml_body_is_marked_yaml(client: falcon.testing.TestClient, fake: FakeEngine) -> None:
    result = client.simulate_post("/model/test/intents", body=NLU, headers=YAML)
    assert result.status_code == 200
    assert result.json == INTENTS_REPORT
    request = fake.last("EvaluateIntents")
    assert request.format == engine_pb2.PAYLOAD_FORMAT_YAML
    assert request.cross_validation_folds == 0 and request.model == ""


def test_intents_other_bodies_are_json(client: falcon.testing.TestClient, fake: FakeEngine) -> None:
    body = orjson.dumps({"rasa_nlu_data": {"common_examples": [{"text": "hi", "intent": "greet"}]}})
    client.simulate_post("/model/test/intents", body=body, headers={"Content-Type": "application/json"},
                         params={"model": "models/other.tar.gz"})
    request = fake.last("EvaluateIntents")
    assert request.format == engine_pb2.PAYLOAD_FORMAT_JSON
    assert request.model == "models/other.tar.gz"


def test_cross_validation_folds_are_forwarded(client: falcon.testing.TestClient, fake: FakeEngine) -> None:
    client.simulate_post("/model/test/intents", body=NLU, headers=YAML, params={"cross_validation_folds": "3"})
    assert fake.last("EvaluateIntents").cross_validation_folds == 3


def test_cross_validation_of_a_json_body_is_a_testing_error(
    client: falcon.testing.TestClient, fake: FakeEngine
) -> None:
    result = client.simulate_post("/model/test/intents", body=b'{"rasa_nlu_data": {}}',
                                  headers={"Content-Type": "application/json"},
                                  params={"cross_validation_folds": "3"})
    assert result.status_code == 400
    assert result.json["reason"] == "TestingError"
    assert not fake.requests


def test_intents_callback_gets_the_report(make_client: ClientFactory, fake: FakeEngine, receiver: Receiver) -> None:
    status = asyncio.run(_post_and_wait(make_client().app, receiver, "/model/test/intents", NLU, headers=YAML,
                                        params={"callback_url": receiver.url, "cross_validation_folds": "3"}))
    assert status == 204
    [(_, headers, body)] = receiver.posts
    assert orjson.loads(body) == INTENTS_REPORT
    assert headers["content-type"] == "application/json"


def test_intents_callback_gets_the_error_json(make_client: ClientFactory, fake: FakeEngine, receiver: Receiver) -> None:
    fake.failures["EvaluateIntents"] = Failure(grpc.StatusCode.INTERNAL, "The evaluation failed: boom",
                                               reason="TestingError")
    status = asyncio.run(_post_and_wait(make_client().app, receiver, "/model/test/intents", NLU, headers=YAML,
                                        params={"callback_url": receiver.url}))
    assert status == 204
    error = orjson.loads(receiver.posts[0][2])
    assert (error["code"], error["reason"]) == (500, "TestingError")
