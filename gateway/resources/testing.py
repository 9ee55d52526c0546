"""``POST /model/test/stories`` and ``POST /model/test/intents``."""
from __future__ import annotations

import falcon
import falcon.asgi

from gateway.body import BodyReader
from gateway.engine_client import EngineClient
from gateway.errors import ApiError, bad_request
from gateway.params import bool_param, int_param
from gateway.resources.callbacks import CallbackResult, CallbackRunner
from gateway.resources.common import LONG_CALL_TIMEOUT, is_yaml_type, send_json
from protos import engine_pb2

NO_STORIES = "The request body is empty: send YAML test stories."
NO_NLU_DATA = "The request body is empty: send NLU data (YAML, or JSON {\"rasa_nlu_data\": ...})."
CROSS_VALIDATION_YAML_ONLY = (
    "Cross-validation is only supported for YAML data: send the NLU data and the pipeline "
    "config as YAML with Content-Type: application/x-yaml."
)


class TestStoriesResource:
    """``POST /model/test/stories``: evaluate the dialogue model on YAML test stories.

    Query ``e2e`` (end-to-end evaluation).

    Args:
        engine: The engine client.
        body: Reader of request bodies.
    """

    __test__ = False  # not a pytest test class

    def __init__(self, engine: EngineClient, body: BodyReader) -> None:
        self.engine = engine
        self.body = body

    async def on_post(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        """Answer the evaluation report."""
        payload = await self.body.read(req)
        if not payload.strip():
            raise bad_request(NO_STORIES, "body")
        reply = await self.engine.call(
            "EvaluateStories",
            engine_pb2.EvaluateStoriesRequest(stories_yaml=payload, e2e=bool_param(req, "e2e")),
            timeout=LONG_CALL_TIMEOUT,
        )
        send_json(resp, reply.report_json)


class TestIntentsResource:
    """``POST /model/test/intents``: evaluate NLU, or cross-validate a pipeline.

    Body: YAML NLU data when the content type is YAML (``application/x-yaml``),
    otherwise JSON ``{"rasa_nlu_data": ...}``. Query: ``model`` (another
    model to evaluate; the loaded one stays), ``cross_validation_folds``
    (YAML with a pipeline only), ``callback_url``.

    Args:
        engine: The engine client.
        body: Reader of request bodies.
        callbacks: Runs ``callback_url`` requests in the background.
    """

    __test__ = False  # not a pytest test class

    def __init__(self, engine: EngineClient, body: BodyReader, callbacks: CallbackRunner) -> None:
        self.engine = engine
        self.body = body
        self.callbacks = callbacks

    async def on_post(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        """Answer the evaluation report (or 204 with a callback)."""
        payload = await self.body.read(req)
        if not payload.strip():
            raise bad_request(NO_NLU_DATA, "body")
        yaml_body = is_yaml_type(req)
        folds = max(int_param(req, "cross_validation_folds") or 0, 0)
        if folds and not yaml_body:
            raise ApiError(400, "TestingError", CROSS_VALIDATION_YAML_ONLY)
        request = engine_pb2.EvaluateIntentsRequest(
            payload=payload,
            format=engine_pb2.PAYLOAD_FORMAT_YAML if yaml_body else engine_pb2.PAYLOAD_FORMAT_JSON,
            model=req.get_param("model") or "",
            cross_validation_folds=folds,
        )
        url = await self.callbacks.checked_url(req.get_param("callback_url"))
        if url is not None:
            self.callbacks.start(url, lambda: self._for_callback(request))
            resp.status = falcon.HTTP_204
            return
        reply = await self.engine.call("EvaluateIntents", request, timeout=LONG_CALL_TIMEOUT)
        send_json(resp, reply.report_json)

    async def _for_callback(self, request: engine_pb2.EvaluateIntentsRequest) -> CallbackResult:
        reply = await self.engine.call("EvaluateIntents", request, timeout=LONG_CALL_TIMEOUT)
        return CallbackResult(reply.report_json, {"Content-Type": falcon.MEDIA_JSON})
