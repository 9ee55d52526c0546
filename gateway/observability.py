"""What the gateway records about its requests: metrics and the access log."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from gateway.access_log import AccessLogMiddleware, access_log_from_env
from gateway.metrics import GatewayMetrics, MetricsMiddleware

_OFF = frozenset({"0", "false", "no", "off"})


@dataclass
class Observability:
    """The gateway's metrics (``/metrics``) and access log; either may be off.

    Attributes:
        metrics: Request metrics, or None for no ``/metrics`` route.
        access_log: The access log middleware, or None for no access log.
    """

    metrics: GatewayMetrics | None = None
    access_log: AccessLogMiddleware | None = None

    @classmethod
    def default(cls) -> Observability:
        """Metrics of this process only, no access log (tests, embedding)."""
        return cls(metrics=GatewayMetrics())

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Observability:
        """Read ``PARLEY_METRICS`` (``off`` disables ``/metrics``), ``PROMETHEUS_MULTIPROC_DIR``
        and ``PARLEY_ACCESS_LOG`` (text, json, off).

        Raises:
            ValueError: A variable has an unusable value.
        """
        metrics_off = (environ.get("PARLEY_METRICS") or "").strip().lower() in _OFF
        return cls(
            metrics=None if metrics_off else GatewayMetrics.from_env(environ),
            access_log=access_log_from_env(environ),
        )

    def middleware(self) -> list[Any]:
        """Middleware to run first, so they see every request and its final status."""
        found: list[Any] = []
        if self.metrics is not None:
            found.append(MetricsMiddleware(self.metrics))
        if self.access_log is not None:
            found.append(self.access_log)
        return found
