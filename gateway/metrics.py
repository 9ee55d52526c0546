"""Prometheus metrics of the gateway: requests and latency by route and status.

``GET /metrics`` answers the Prometheus text format. Under gunicorn every
worker is a process of its own; when ``PROMETHEUS_MULTIPROC_DIR`` is set
(gunicorn_conf.py sets it), workers write their samples to files there and
``/metrics`` adds up every worker's, so one scrape sees the whole gateway.
Without it (tests, a single process) the numbers are this process's own.

Routes are labelled by their URI template (``/conversations/{conversation_id}/tracker``),
never by the raw path, so label values stay few; unknown paths count as
``unmatched``.
"""
from __future__ import annotations

import time
from typing import Any, Mapping

import falcon
import falcon.asgi

# Gateway answers take milliseconds; training and long turns take longer.
_SECONDS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
_STARTED = "parley_started"


class GatewayMetrics:
    """The gateway's request counter, latency histogram and in-flight gauge.

    Args:
        multiprocess_dir: Directory shared by the workers of one gateway
            (prometheus_client multiprocess mode), or None for this process alone.
    """

    def __init__(self, multiprocess_dir: str | None = None) -> None:
        from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

        self.multiprocess_dir = multiprocess_dir
        self._registry = CollectorRegistry()
        labels = ["method", "route", "status"]
        self.requests = Counter("parley_gateway_requests", "HTTP requests answered.", labels,
                                registry=self._registry)
        self.latency = Histogram("parley_gateway_request_duration_seconds", "Time to answer a request.",
                                 labels, buckets=_SECONDS, registry=self._registry)
        self.in_flight = Gauge("parley_gateway_requests_in_flight", "Requests being answered now.",
                               registry=self._registry, multiprocess_mode="livesum")
        self._children: dict[tuple[str, str, int], tuple[Any, Any]] = {}

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> GatewayMetrics:
        """Use multiprocess mode when ``PROMETHEUS_MULTIPROC_DIR`` is set."""
        return cls(environ.get("PROMETHEUS_MULTIPROC_DIR") or None)

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        """Record one answered request."""
        key = (method, route, status)
        children = self._children.get(key)
        if children is None:
            # PERF: labels() locks and builds its key on every call; each
            #   (method, route, status) looks its children up once.
            labels = (method, route, str(status))
            children = self._children[key] = (self.requests.labels(*labels), self.latency.labels(*labels))
        children[0].inc()
        children[1].observe(seconds)

    def text(self) -> tuple[bytes, str]:
        """Return the exposition and its content type."""
        from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

        if self.multiprocess_dir:
            from prometheus_client import multiprocess

            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry, path=self.multiprocess_dir)
            return generate_latest(registry), CONTENT_TYPE_LATEST
        return generate_latest(self._registry), CONTENT_TYPE_LATEST


def route_of(req: falcon.asgi.Request) -> str:
    """Return the request's URI template, or ``unmatched``."""
    return getattr(req, "uri_template", None) or "unmatched"


def status_code(resp: falcon.asgi.Response) -> int:
    """Return the response status as a number."""
    status = resp.status
    if isinstance(status, int):
        return status
    return int(str(getattr(status, "value", status)).split(" ", 1)[0])


class MetricsMiddleware:
    """Times every request and counts it by method, route template and status.

    Args:
        metrics: Where to record.
    """

    def __init__(self, metrics: GatewayMetrics) -> None:
        self.metrics = metrics

    async def process_request(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        """Note the start time."""
        setattr(req.context, _STARTED, time.perf_counter())
        self.metrics.in_flight.inc()

    async def process_response(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, resource: Any, req_succeeded: bool
    ) -> None:
        """Record the request."""
        started = getattr(req.context, _STARTED, None)
        if started is None:
            return
        self.metrics.in_flight.dec()
        self.metrics.observe(req.method, route_of(req), status_code(resp), time.perf_counter() - started)


class MetricsResource:
    """``GET /metrics``: Prometheus text format (public, like ``/``).

    Args:
        metrics: What to expose.
    """

    public = True

    def __init__(self, metrics: GatewayMetrics) -> None:
        self.metrics = metrics

    async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        """Answer the metrics."""
        resp.data, resp.content_type = self.metrics.text()
