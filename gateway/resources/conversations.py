"""Conversation endpoints: ``GET /conversations/{conversation_id}/tracker``."""
from __future__ import annotations

import falcon
import falcon.asgi

from gateway.engine_client import EngineClient
from gateway.params import float_param, include_events
from protos import engine_pb2


class TrackerResource:
    """``GET /conversations/{conversation_id}/tracker``: a conversation's tracker.

    Query: ``include_events`` (ALL, APPLIED, AFTER_RESTART, NONE; default
    AFTER_RESTART) and ``until`` (a timestamp; ignored when not a number).

    Args:
        engine: The engine client.
    """

    def __init__(self, engine: EngineClient) -> None:
        self.engine = engine

    async def on_get(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, conversation_id: str
    ) -> None:
        """Answer the engine's tracker JSON as it is."""
        request = engine_pb2.GetTrackerRequest(
            conversation_id=conversation_id, include_events=include_events(req)
        )
        until = float_param(req, "until")
        if until is not None:
            request.until = until
        reply = await self.engine.get_tracker(request)
        resp.content_type = falcon.MEDIA_JSON
        resp.data = reply.tracker_json
