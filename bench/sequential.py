"""One client, one keep-alive connection, requests one after the other.

The client is the standard library's ``http.client``: it costs about 0.3 ms
less per request than httpx, and the client's own time is part of what a
sequential latency measures.
"""
from __future__ import annotations

import http.client
import time
from typing import Any, Callable
from urllib.parse import urlsplit

import orjson

# Messages the moodbot understands, used by every benchmark that talks to it.
MOODBOT_TEXTS = ("hello there", "I am great", "very sad", "are you a bot?", "yes", "no", "bye")
WEBHOOK = "/webhooks/rest/webhook"
PARSE = "/model/parse"
_JSON = {"Content-Type": "application/json"}


def parse_body(i: int) -> dict[str, Any]:
    """Return the ``i``-th ``/model/parse`` body."""
    return {"text": MOODBOT_TEXTS[i % len(MOODBOT_TEXTS)]}


def webhook_body(sender: str, i: int) -> dict[str, Any]:
    """Return the ``i``-th REST webhook body of ``sender``."""
    return {"sender": sender, "message": MOODBOT_TEXTS[i % len(MOODBOT_TEXTS)]}


class Client:
    """A keep-alive HTTP/1.1 connection to ``base_url`` (``http://host:port``)."""

    def __init__(self, base_url: str, timeout: float = 120.0) -> None:
        parts = urlsplit(base_url)
        self._connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)

    def post(self, path: str, body: Any) -> Any:
        """POST ``body`` as JSON and return the decoded answer.

        Raises:
            RuntimeError: The answer is not a 2xx.
        """
        self._connection.request("POST", path, orjson.dumps(body), _JSON)
        reply = self._connection.getresponse()
        data = reply.read()
        if reply.status >= 300:
            raise RuntimeError(f"POST {path} answered {reply.status}: {data[:300]!r}")
        return orjson.loads(data) if data else None

    def timed_post(self, path: str, body: Any) -> float:
        """POST ``body`` and return the milliseconds until the whole answer arrived."""
        started = time.perf_counter()
        self.post(path, body)
        return (time.perf_counter() - started) * 1000

    def close(self) -> None:
        """Close the connection."""
        self._connection.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def sequential_ms(
    base_url: str, path: str, body: Callable[[int], dict[str, Any]], requests: int, *, warmup: int = 20
) -> list[float]:
    """Time ``requests`` sequential POSTs (after ``warmup`` untimed ones), in ms."""
    with Client(base_url) as client:
        for i in range(warmup):
            client.post(path, body(-1 - i))
        return [client.timed_post(path, body(i)) for i in range(requests)]
