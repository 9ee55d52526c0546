"""Schemathesis hooks for the fuzz run (loaded through ``SCHEMATHESIS_HOOKS``).

Generated URLs (``callback_url``, ``?model=``, ``model_server.url``) keep
their random path and query but point at a closed loopback port: the
server under test may only ever send traffic to loopback, and a random host
name would cost a DNS query. Values that are not http(s) URLs stay as
generated, so the server's URL checks are still fuzzed.

Every response is recorded as ``METHOD path-template status`` in the file
``PARLEY_FUZZ_RECORD`` names, so the test can check who got past auth.
"""
from __future__ import annotations

import ipaddress
import os
import urllib.parse
from typing import Any

import schemathesis

CLOSED_PORT_TARGET = "127.0.0.1:9"
URL_QUERY_PARAMETERS = ("callback_url", "model")
RECORD_ENV = "PARLEY_FUZZ_RECORD"


def loopback_url(value: Any) -> Any:
    """Return ``value`` aimed at a closed loopback port when it is an http(s) URL elsewhere."""
    if isinstance(value, list):  # a repeated query parameter
        return [loopback_url(item) for item in value]
    if not isinstance(value, str):
        return value
    try:
        parts = urllib.parse.urlsplit(value)
        host = parts.hostname
    except ValueError:
        return value
    if parts.scheme not in ("http", "https") or not host:
        return value
    try:
        if ipaddress.ip_address(host).is_loopback:
            return value
    except ValueError:
        pass
    return urllib.parse.urlunsplit(parts._replace(netloc=CLOSED_PORT_TARGET))


@schemathesis.hook
def before_call(context: Any, case: Any, **kwargs: Any) -> None:
    """Aim every generated URL at loopback before the request is sent."""
    query = case.query
    if isinstance(query, dict):
        for name in URL_QUERY_PARAMETERS:
            if name in query:
                query[name] = loopback_url(query[name])
    body = case.body
    if isinstance(body, dict) and isinstance(body.get("model_server"), dict):
        server = body["model_server"]
        if "url" in server:
            server["url"] = loopback_url(server["url"])


@schemathesis.hook
def after_call(context: Any, case: Any, response: Any) -> None:
    """Record the method actually sent (probes send e.g. OPTIONS), the operation's path and the status."""
    path = os.environ.get(RECORD_ENV)
    if path:
        method = getattr(getattr(response, "request", None), "method", None) or case.method
        with open(path, "a", encoding="utf-8") as out:
            out.write(f"{str(method).upper()} {case.operation.path} {response.status_code}\n")
