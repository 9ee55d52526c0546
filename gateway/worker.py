"""Gunicorn worker class: uvicorn on uvloop + httptools, never asyncio + h11."""
from __future__ import annotations

import gc
from typing import Any

from uvicorn_worker import UvicornWorker

GC_YOUNG_THRESHOLD = 10_000


class ParleyUvicornWorker(UvicornWorker):  # type: ignore[misc]
    """Uvicorn worker pinned to uvloop and httptools.

    The plain asyncio loop with h11 showed 44 ms stalls under load with
    several workers (see notes/perf-anchors.md), so "auto" is not trusted to
    pick. The ASGI lifespan is on so the app can close its gRPC channel.
    """

    CONFIG_KWARGS: dict[str, Any] = {"loop": "uvloop", "http": "httptools", "lifespan": "on"}

    def init_process(self) -> None:
        """Raise the young-generation GC threshold, then serve.

        PERF: a request allocates hundreds of short-lived objects; CPython's
        default threshold (700) collects several times per request batch.
        """
        gc.set_threshold(GC_YOUNG_THRESHOLD, *gc.get_threshold()[1:])
        super().init_process()
