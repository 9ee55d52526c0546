"""Prometheus metrics of one engine process, served on their own HTTP port.

The engine's gRPC API has no metrics call, so the engine serves
``/metrics`` itself (``PARLEY_METRICS_PORT``). Every metric lives in a
registry owned by :class:`EngineMetrics`, created by the server, so tests
and several engines in one process never share counters.
"""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Iterator

if TYPE_CHECKING:
    from engine.agent import Agent

logger = logging.getLogger(__name__)

# Turns take milliseconds; a lock wait or a slow action server can take seconds.
_SECONDS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
TURN_METHODS = frozenset({"HandleMessage", "TriggerIntent", "ExecuteAction", "AddMessage"})


class EngineMetrics:
    """The engine's counters and histograms, in a registry of their own.

    Metrics (all prefixed ``parley_engine_``): ``rpcs_total{method,code}``,
    ``rpc_duration_seconds{method}``, ``rpcs_in_flight``,
    ``turns_total{outcome}``, ``lock_acquisitions_total{contended}``,
    ``lock_wait_seconds``, ``lock_timeouts_total``,
    ``store_duration_seconds{store,operation}``,
    ``store_errors_total{store,operation}``, ``model_pulls_total{result}``
    and ``model_info{model_id,model_file}`` (1 for the served model).
    """

    def __init__(self) -> None:
        from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.rpcs = Counter("parley_engine_rpcs", "gRPC calls answered, by method and status code.",
                            ["method", "code"], registry=r)
        self.rpc_seconds = Histogram("parley_engine_rpc_duration_seconds", "Time to answer a gRPC call.",
                                     ["method"], buckets=_SECONDS, registry=r)
        self.in_flight = Gauge("parley_engine_rpcs_in_flight", "gRPC calls being answered now.", registry=r)
        self.turns = Counter("parley_engine_turns", "Conversation turns (messages, intents, actions) handled.",
                             ["outcome"], registry=r)
        self.lock_acquisitions = Counter(
            "parley_engine_lock_acquisitions",
            "Conversation locks taken; contended=true when the turn had to wait for another.",
            ["contended"], registry=r)
        self.lock_wait = Histogram("parley_engine_lock_wait_seconds", "Time a turn waited for its lock.",
                                   buckets=_SECONDS, registry=r)
        self.lock_timeouts = Counter("parley_engine_lock_timeouts",
                                     "Lock waits that gave up at their deadline.", registry=r)
        self.store_seconds = Histogram("parley_engine_store_duration_seconds",
                                       "Time of tracker store and event broker calls.",
                                       ["store", "operation"], buckets=_SECONDS, registry=r)
        self.store_errors = Counter("parley_engine_store_errors", "Failed tracker store and broker calls.",
                                    ["store", "operation"], registry=r)
        self.model_pulls = Counter("parley_engine_model_pulls", "Model server polls, by result.",
                                   ["result"], registry=r)
        self._server: Any = None
        self._rpc_children: dict[tuple[str, str], tuple[Any, Any, Any]] = {}
        self._acquisitions = {flag: self.lock_acquisitions.labels(str(flag).lower()) for flag in (True, False)}

    # -- lock observer (see engine.stores.lock.base.LockObserver) -------------

    def acquired(self, waited: float, contended: bool) -> None:
        """Count a lock acquisition."""
        self._acquisitions[contended].inc()
        self.lock_wait.observe(waited)

    def timed_out(self, waited: float) -> None:
        """Count a lock wait that gave up."""
        self.lock_timeouts.inc()
        self.lock_wait.observe(waited)

    # -- calls -------------------------------------------------------------

    def rpc_done(self, method: str, code: str, seconds: float) -> None:
        """Count one answered gRPC call."""
        children = self._rpc_children.get((method, code))
        if children is None:
            # PERF: labels() locks and looks the child up on every call; a call's
            #   children are found once per (method, code).
            turns = self.turns.labels("ok" if code == "OK" else code.lower()) if method in TURN_METHODS else None
            children = (self.rpcs.labels(method, code), self.rpc_seconds.labels(method), turns)
            self._rpc_children[(method, code)] = children
        calls, duration, turns = children
        calls.inc()
        duration.observe(seconds)
        if turns is not None:
            turns.inc()

    def watch_model(self, agent: Agent) -> None:
        """Report the agent's served model at every scrape."""
        self.registry.register(_ModelCollector(agent))

    # -- exposition ----------------------------------------------------------

    def text(self) -> bytes:
        """Return the metrics in Prometheus text format."""
        from prometheus_client import generate_latest

        return generate_latest(self.registry)

    def serve(self, host: str, port: int) -> int:
        """Serve ``/metrics`` over HTTP in a background thread; return the bound port.

        Raises:
            EngineError: The port cannot be bound.
        """
        from prometheus_client import start_http_server

        from engine.errors import EngineError

        try:
            server, _thread = start_http_server(port, addr=host, registry=self.registry)
        except OSError as ex:
            raise EngineError(f"cannot serve engine metrics on {host}:{port}: {ex.strerror or ex}") from ex
        self._server = server
        bound = int(server.server_address[1])
        logger.info("engine metrics on http://%s:%d/metrics", host, bound)
        return bound

    def stop(self) -> None:
        """Stop the HTTP server, if one runs."""
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()


class _ModelCollector:
    """Yields ``parley_engine_model_info`` from the agent's current model."""

    def __init__(self, agent: Agent) -> None:
        self.agent = agent

    def describe(self) -> list[Any]:
        """Describe without reading the model (registration time)."""
        return []

    def collect(self) -> Iterator[Any]:
        """Yield the served model's identity."""
        from prometheus_client.core import GaugeMetricFamily

        family = GaugeMetricFamily("parley_engine_model_info", "The served model (value 1), if any.",
                                   labels=["model_id", "model_file"])
        model = self.agent.model
        if model is not None:
            family.add_metric([model.model_id, model.path.name], 1.0)
        yield family
        loaded = GaugeMetricFamily("parley_engine_model_loaded", "1 when a model is served, else 0.")
        loaded.add_metric([], 1.0 if model is not None else 0.0)
        yield loaded
