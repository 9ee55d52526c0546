"""Server information: ``GET /``, ``GET /version`` and ``GET /status``."""
from __future__ import annotations

import falcon
import falcon.asgi
import orjson

from gateway.engine_client import EngineClient


class RootResource:
    """``GET /``: a plain-text greeting with Parley's version (public).

    Args:
        version: Parley's version, shown in the greeting.
    """

    public = True

    def __init__(self, version: str) -> None:
        self.greeting = f"Hello from Parley: {version}"

    async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        """Answer the greeting."""
        resp.content_type = "text/plain; charset=utf-8"
        resp.text = self.greeting


class VersionResource:
    """``GET /version``: the engine's version (public).

    Args:
        engine: The engine client.
    """

    public = True

    def __init__(self, engine: EngineClient) -> None:
        self.engine = engine

    async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        """Answer ``{"version", "minimum_compatible_version"}``."""
        reply = await self.engine.get_version()
        resp.content_type = falcon.MEDIA_JSON
        resp.data = orjson.dumps(
            {
                "version": reply.version,
                "minimum_compatible_version": reply.minimum_compatible_version,
            }
        )


class StatusResource:
    """``GET /status``: the loaded model, as Rasa 3.x and 2.x show it.

    Args:
        engine: The engine client.
    """

    def __init__(self, engine: EngineClient) -> None:
        self.engine = engine

    async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        """Answer ``{"model_file", "model_id", "fingerprint", "num_active_training_jobs", "jobs"}``."""
        reply = await self.engine.get_status()
        # PERF: the fingerprint is already JSON; embed its bytes as they are.
        fingerprint = orjson.Fragment(reply.fingerprint_json) if reply.fingerprint_json else {}
        resp.content_type = falcon.MEDIA_JSON
        resp.data = orjson.dumps(
            {
                "model_file": reply.model_file,
                "model_id": reply.model_id,
                "fingerprint": fingerprint,
                "num_active_training_jobs": reply.num_active_training_jobs,
                "jobs": orjson.Fragment(reply.jobs_json) if reply.jobs_json else [],
            }
        )
