"""Gunicorn worker class: uvicorn on uvloop + httptools, never asyncio + h11."""
from __future__ import annotations

from typing import Any

from uvicorn_worker import UvicornWorker


class ParleyUvicornWorker(UvicornWorker):  # type: ignore[misc]
    """Uvicorn worker pinned to uvloop and httptools.

    The plain asyncio loop with h11 showed 44 ms stalls under load with
    several workers (see notes/perf-anchors.md), so "auto" is not trusted to
    pick. The ASGI lifespan is on so the app can close its gRPC channel.
    """

    CONFIG_KWARGS: dict[str, Any] = {"loop": "uvloop", "http": "httptools", "lifespan": "on"}
