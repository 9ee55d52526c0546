"""``POST /model/train``: train from a YAML (3.x) or JSON (2.x) payload.

The engine trains on a thread of its own and streams the archive back in
chunks; the gateway streams them on as the response body, with the
``filename`` header and ``Content-Disposition: attachment``. With
``callback_url`` the answer is 204 at once and the archive (or the error
JSON) is POSTed to the URL when training ends.
"""
from __future__ import annotations

from typing import Any, AsyncIterator

import falcon
import falcon.asgi

from gateway.body import BodyReader
from gateway.engine_client import EngineClient
from gateway.errors import ApiError, bad_request
from gateway.params import int_param, optional_bool_param
from gateway.resources.callbacks import CallbackResult, CallbackRunner
from gateway.resources.common import LONG_CALL_TIMEOUT
from protos import engine_pb2

ARCHIVE_CONTENT_TYPE = "application/x-tar"
EMPTY_PAYLOAD = (
    "The training payload is empty: send one YAML document with the config, domain and "
    "training data keys."
)


class TrainedArchive:
    """The first chunk of a streamed archive and the rest of the stream.

    Args:
        filename: The archive's file name.
        size: Its size in bytes.
        first: Its first bytes.
        rest: The remaining chunks.
    """

    def __init__(self, filename: str, size: int, first: bytes, rest: AsyncIterator[Any]) -> None:
        self.filename = filename
        self.size = size
        self.first = first
        self.rest = rest

    def headers(self) -> dict[str, str]:
        """Return the ``filename`` and ``Content-Disposition`` headers."""
        return {
            "filename": self.filename,
            "Content-Disposition": f'attachment; filename="{self.filename}"',
        }

    async def chunks(self) -> AsyncIterator[bytes]:
        """Yield the archive's bytes."""
        if self.first:
            yield self.first
        async for chunk in self.rest:
            if chunk.data:
                yield chunk.data


async def start_training(engine: EngineClient, request: engine_pb2.TrainRequest) -> TrainedArchive:
    """Train and wait for the first chunk (errors surface here, before any byte is sent)."""
    call = engine.stream("Train", request, timeout=LONG_CALL_TIMEOUT)
    stream = call.__aiter__()
    try:
        first = await stream.__anext__()
    except StopAsyncIteration:
        raise ApiError(500, "TrainingError", "Training finished without a model.") from None
    return TrainedArchive(first.filename, first.size, first.data, stream)


def train_request(req: falcon.asgi.Request, payload: bytes) -> engine_pb2.TrainRequest:
    """Build the engine request from the body and the query parameters."""
    request = engine_pb2.TrainRequest(payload=payload)
    save = optional_bool_param(req, "save_to_default_model_directory")
    if save is not None:
        request.save_to_default_model_directory = save
    force = optional_bool_param(req, "force_training")
    if force is not None:
        request.force_training = force
    for name in ("augmentation", "num_threads"):
        value = int_param(req, name)
        if value is not None:
            setattr(request, name, value)
    return request


class TrainResource:
    """``POST /model/train``: answer the trained archive (the model is not loaded).

    Query: ``save_to_default_model_directory`` (default true),
    ``force_training``, ``augmentation``, ``num_threads``, ``callback_url``.

    Args:
        engine: The engine client.
        body: Reader of request bodies.
        callbacks: Runs ``callback_url`` requests in the background.
    """

    def __init__(self, engine: EngineClient, body: BodyReader, callbacks: CallbackRunner) -> None:
        self.engine = engine
        self.body = body
        self.callbacks = callbacks

    async def on_post(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        """Train, then stream the archive (or 204 with a callback)."""
        payload = await self.body.read(req)
        if not payload.strip():
            raise bad_request(EMPTY_PAYLOAD, "body")
        request = train_request(req, payload)
        url = await self.callbacks.checked_url(req.get_param("callback_url"))
        if url is not None:
            self.callbacks.start(url, lambda: self._for_callback(request))
            resp.status = falcon.HTTP_204
            return
        archive = await start_training(self.engine, request)
        resp.content_type = ARCHIVE_CONTENT_TYPE
        for name, value in archive.headers().items():
            resp.set_header(name, value)
        resp.content_length = archive.size
        resp.stream = archive.chunks()

    async def _for_callback(self, request: engine_pb2.TrainRequest) -> CallbackResult:
        archive = await start_training(self.engine, request)
        headers = {"Content-Type": ARCHIVE_CONTENT_TYPE, **archive.headers()}
        return CallbackResult(archive.chunks(), headers)
