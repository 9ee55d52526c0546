"""The gateway's access log: one line per request, secrets in the query masked.

``PARLEY_ACCESS_LOG`` chooses the format: ``text`` (default), ``json`` (one
JSON object per line, for log pipelines) or ``off``. Query parameters that
carry credentials (``token=``, ``access_token=`` ...) are written as
``***``. Lines go to standard output through the ``parley.access`` logger.
"""
from __future__ import annotations

import logging
import os
import sys
import time
from typing import Any, Mapping
from urllib.parse import parse_qsl, quote

import falcon.asgi
import orjson

from gateway.metrics import route_of, status_code

LOGGER_NAME = "parley.access"
FORMATS = ("text", "json", "off")
MASK = "***"
_SECRET_NAMES = frozenset({"token", "access_token", "auth_token", "jwt", "api_key", "apikey", "key",
                           "password", "secret", "signature"})
_STARTED = "parley_access_started"


def mask_query(query: str) -> str:
    """Return ``query`` with the values of credential parameters replaced by ``***``."""
    if not query:
        return ""
    parts = []
    for name, value in parse_qsl(query, keep_blank_values=True):
        secret = name.lower() in _SECRET_NAMES or "token" in name.lower()
        parts.append(f"{quote(name, safe='')}={MASK if secret else quote(value, safe='')}")
    return "&".join(parts)


def access_format(environ: Mapping[str, str]) -> str:
    """Return the configured format.

    Raises:
        ValueError: ``PARLEY_ACCESS_LOG`` is not one of text, json, off.
    """
    value = (environ.get("PARLEY_ACCESS_LOG") or "text").strip().lower()
    if value not in FORMATS:
        raise ValueError(f"PARLEY_ACCESS_LOG must be one of {', '.join(FORMATS)}, not '{value}'.")
    return value


def stdout_logger() -> logging.Logger:
    """Return the ``parley.access`` logger, writing bare lines to stdout."""
    logger = logging.getLogger(LOGGER_NAME)
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False
    return logger


class AccessLogMiddleware:
    """Writes one line per answered request.

    Args:
        fmt: ``text`` or ``json``.
        logger: Where lines go (default: :func:`stdout_logger`).
    """

    def __init__(self, fmt: str = "text", logger: logging.Logger | None = None) -> None:
        self.fmt = fmt
        self.logger = logger or stdout_logger()
        self.pid = os.getpid()

    async def process_request(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        """Note the start time."""
        setattr(req.context, _STARTED, time.perf_counter())

    async def process_response(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, resource: Any, req_succeeded: bool
    ) -> None:
        """Write the request's line."""
        if not self.logger.isEnabledFor(logging.INFO):
            return
        started = getattr(req.context, _STARTED, None)
        millis = (time.perf_counter() - started) * 1000 if started is not None else 0.0
        query = mask_query(req.query_string)
        target = req.path + (f"?{query}" if query else "")
        status = status_code(resp)
        remote = req.remote_addr or "-"
        if self.fmt == "json":
            line = orjson.dumps({
                "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                "remote": remote,
                "method": req.method,
                "path": req.path,
                "query": query,
                "route": route_of(req),
                "status": status,
                "duration_ms": round(millis, 3),
                "pid": self.pid,
            }).decode("utf-8")
        else:
            line = f'{remote} - "{req.method} {target}" {status} {millis:.1f}ms'
        self.logger.info(line)


def access_log_from_env(environ: Mapping[str, str]) -> AccessLogMiddleware | None:
    """Return the access log middleware ``PARLEY_ACCESS_LOG`` asks for, or None for ``off``."""
    fmt = access_format(environ)
    return None if fmt == "off" else AccessLogMiddleware(fmt)
