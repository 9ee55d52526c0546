"""CORS for every HTTP route (``--cors`` origins, Rasa's settings).

Rasa (sanic-cors) allows the configured origins with credentials and
exposes the ``filename`` header (the name of a trained model). Falcon's
middleware does the work, including preflight (``OPTIONS`` with
``Access-Control-Request-Method``) on every route, errors included; this
adds ``Vary: Origin`` wherever the answer depends on the request's origin,
so caches never hand one origin's answer to another.
"""
from __future__ import annotations

from typing import Any

import falcon
import falcon.asgi

EXPOSED_HEADERS = ("filename",)


class CorsMiddleware(falcon.CORSMiddleware):  # type: ignore[type-arg]
    """Falcon's CORS middleware with credentials, ``filename`` and ``Vary: Origin``.

    Args:
        origins: Allowed origins; ``("*",)`` allows any origin.
    """

    def __init__(self, origins: tuple[str, ...]) -> None:
        allowed: Any = "*" if origins == ("*",) else list(origins)
        super().__init__(
            allow_origins=allowed, expose_headers=list(EXPOSED_HEADERS), allow_credentials=allowed
        )

    async def process_response_async(
        self,
        req: falcon.asgi.Request,
        resp: falcon.asgi.Response,
        resource: object,
        req_succeeded: bool,
    ) -> None:
        """Add the CORS headers, and ``Vary: Origin`` when they name the origin."""
        self.process_response(req, resp, resource, req_succeeded)  # type: ignore[arg-type]
        origin = resp.get_header("Access-Control-Allow-Origin")
        if origin is not None and origin != "*":
            vary = resp.get_header("Vary")
            if vary is None or "origin" not in vary.lower():
                resp.append_header("Vary", "Origin")
