"""Composition root of the engine process: build, serve, stop gracefully."""
from __future__ import annotations

import functools
import gc
import logging
import signal
import threading
from concurrent import futures
from pathlib import Path
from typing import Any, NamedTuple

from engine.agent import Agent
from engine.errors import EngineError
from engine.metrics import EngineMetrics
from engine.settings import EngineSettings

logger = logging.getLogger(__name__)

SERVICE_NAME = "parley.engine.v1.Engine"
# PERF: a turn allocates a few thousand short-lived objects; with CPython's
#   default of 700, young collections (which also walk the survivors of the
#   turns in flight) took ~7% of a turn's CPU, ~1% at this threshold.
GC_YOUNG_THRESHOLD = 10_000


def build_stores(endpoints: dict[str, Any]) -> tuple[Any, Any]:
    """Create the tracker store and lock store named in endpoints.yml."""
    from engine.stores.registry import (
        SHARED_TRACKER_STORES,
        create_lock_store,
        create_tracker_store,
        store_type,
    )

    tracker_config = endpoints.get("tracker_store") or None
    lock_config = endpoints.get("lock_store") or None
    tracker_store = create_tracker_store(tracker_config)
    try:
        lock_store = create_lock_store(lock_config)
    except Exception:
        tracker_store.close()
        raise
    tracker_kind = store_type(tracker_config) or "in_memory"
    lock_kind = store_type(lock_config) or "in_memory"
    if tracker_kind in SHARED_TRACKER_STORES and lock_kind == "in_memory":
        logger.warning(
            "the %s tracker store can be shared, but the lock store is in-memory: only ONE "
            "engine process may use this tracker store, or conversations will be processed "
            "twice at once. Configure a redis lock_store to run several engine processes.",
            tracker_kind,
        )
    return tracker_store, lock_store


def models_dir_for(model: Path) -> Path:
    """Return where trained archives go: the model directory, or the archive's folder."""
    return model.parent if model.name.endswith(".tar.gz") else model


def build_agent(settings: EngineSettings, metrics: EngineMetrics | None = None) -> Agent:
    """Create the agent and load the configured model, if there is one.

    Args:
        settings: The engine's settings.
        metrics: When given, store, broker and lock calls are measured.
    """
    from engine.stores.registry import create_event_broker

    tracker_store, lock_store = build_stores(settings.endpoints)
    broker = create_event_broker(settings.endpoints.get("event_broker") or None)
    if metrics is not None:
        from engine.stores.timed import TimedEventBroker, TimedTrackerStore

        tracker_store = TimedTrackerStore(tracker_store, metrics)
        broker = TimedEventBroker(broker, metrics) if broker is not None else None
        lock_store.observer = metrics
    from engine.actions.endpoint import EndpointConfig
    from engine.push import MessagePush, latest_input_channel

    agent = Agent(
        tracker_store, lock_store, event_broker=broker, lock_wait=settings.lock_wait,
        models_dir=models_dir_for(settings.model),
        action_endpoint=EndpointConfig.from_dict(
            settings.endpoints.get("action_endpoint"), "action_endpoint", settings.outbound
        ),
        nlg_endpoint=EndpointConfig.from_dict(settings.endpoints.get("nlg"), "nlg", settings.outbound),
        outbound=settings.outbound,
        # Fired reminders' replies go to the gateways subscribed with SubscribeMessages.
        deliver=MessagePush(
            functools.partial(latest_input_channel, tracker_store),
            max_subscribers=(settings.threads - 1) // 2,  # leave most threads for calls
        ),
    )
    try:
        from engine.models.loader import load_model

        agent.set_model(load_model(settings.model))
    except EngineError as ex:
        if (settings.endpoints.get("models") or {}).get("url"):
            logger.info("no local model (%s); the model server will provide one", ex.message)
        else:
            logger.warning("starting without a model: %s", ex.message)
    return agent


class EngineServer(NamedTuple):
    """A created gRPC server, its health servicer and its worker pool."""

    server: Any
    health: Any
    executor: futures.ThreadPoolExecutor


def create_server(
    agent: Agent,
    address: str,
    *,
    threads: int = 8,
    metrics: EngineMetrics | None = None,
    reuse_port: bool = False,
    secret: str | None = None,
    tls: tuple[bytes, bytes] | None = None,
) -> EngineServer:
    """Create (not start) the gRPC server with health and reflection.

    Args:
        agent: Serves the calls.
        address: ``host:port`` or ``unix:/path`` to bind.
        threads: Worker threads (calls answered at once).
        metrics: When given, every call is counted and timed.
        reuse_port: Let other engine processes bind the same port
            (SO_REUSEPORT; the kernel spreads connections over them).
        secret: When given, every RPC but the health check must carry it
            (``parley-engine-secret`` metadata).
        tls: ``(certificate PEM, private key PEM)`` to serve over TLS.

    Raises:
        EngineError: The address cannot be bound.
    """
    import grpc
    from grpc_health.v1 import health, health_pb2, health_pb2_grpc
    from grpc_reflection.v1alpha import reflection

    from engine.servicer import EngineServicer
    from protos import engine_pb2, engine_pb2_grpc

    executor = futures.ThreadPoolExecutor(max_workers=threads, thread_name_prefix="engine")
    interceptors = []
    if metrics is not None:
        from engine.interceptors import MetricsInterceptor

        interceptors.append(MetricsInterceptor(metrics))
    if secret:
        from engine.interceptors import SecretInterceptor

        interceptors.append(SecretInterceptor(secret))
    server = grpc.server(
        executor,
        interceptors=interceptors,
        options=[
            ("grpc.max_receive_message_length", 512 * 1024 * 1024),
            ("grpc.max_send_message_length", 512 * 1024 * 1024),
            ("grpc.so_reuseport", 1 if reuse_port else 0),
        ],
    )
    engine_pb2_grpc.add_EngineServicer_to_server(EngineServicer(agent), server)
    health_servicer = health.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    reflection.enable_server_reflection(
        (engine_pb2.DESCRIPTOR.services_by_name["Engine"].full_name, reflection.SERVICE_NAME,
         health.SERVICE_NAME),
        server,
    )
    try:
        if tls is not None:
            bound = server.add_secure_port(address, grpc.ssl_server_credentials([(tls[1], tls[0])]))
        else:
            bound = server.add_insecure_port(address)
    except RuntimeError:  # grpcio >= 1.6x raises instead of returning 0
        bound = 0
    if bound == 0 and not address.startswith("unix:"):
        raise EngineError(
            f"cannot bind the engine to {address}: the address is in use or not local "
            "(several engines on one port need PARLEY_ENGINE_REUSEPORT=true on each)"
        )
    for service in ("", SERVICE_NAME):
        health_servicer.set(service, health_pb2.HealthCheckResponse.SERVING)
    return EngineServer(server, health_servicer, executor)


class RunningEngine:
    """An engine serving gRPC, with its heartbeat, model puller and metrics.

    Built by :func:`start_engine`; :meth:`stop` shuts everything down in order.
    """

    def __init__(self, settings: EngineSettings) -> None:
        self.settings = settings
        self.metrics = EngineMetrics()
        self.metrics_port: int | None = None
        self.membership: Any = None
        self.puller: Any = None
        self.agent = build_agent(settings, self.metrics)
        self.grpc: EngineServer | None = None

    def start(self) -> None:
        """Join the shared store, start pulling models, serve metrics and gRPC.

        Raises:
            StartRefused: Another live engine shares the tracker store with other locks.
            EngineError: The gRPC address or the metrics port cannot be bound.
        """
        from engine.stores.instances import join_shared_store
        from engine.stores.timed import unwrap

        settings = self.settings
        self.membership = join_shared_store(
            unwrap(self.agent.tracker_store), self.agent.lock_store, settings.heartbeat
        )
        self._start_puller()
        self.metrics.watch_model(self.agent)
        if settings.metrics_address is not None:
            self.metrics_port = self.metrics.serve(*settings.metrics_address)
        tls = None
        if settings.tls_cert is not None and settings.tls_key is not None:
            tls = (settings.tls_cert.read_bytes(), settings.tls_key.read_bytes())
        self.grpc = create_server(
            self.agent, settings.address, threads=settings.threads, metrics=self.metrics,
            reuse_port=settings.reuse_port, secret=settings.secret, tls=tls,
        )
        self.grpc.server.start()
        self.agent.start_reminders()

    def _start_puller(self) -> None:
        from engine.models.puller import ModelPuller, ModelServerConfig

        config = ModelServerConfig.from_section(self.settings.endpoints.get("models"), self.settings.outbound)
        if config is None:
            return
        self.puller = ModelPuller(config, self.agent, metrics=self.metrics)
        if self.puller.pull() != "updated" and self.agent.model is None:
            logger.warning("the model server %s has no loadable model yet; starting without one", config.url)
        self.puller.start()

    def stop(self) -> None:
        """Stop taking calls, let in-flight turns finish, then release everything.

        Turns that outlive the grace period still run to their end (their
        worker threads are awaited) so no turn is left half-written.
        """
        if self.grpc is not None:
            self.grpc.health.enter_graceful_shutdown()
        if hasattr(self.agent.deliver, "close"):  # end SubscribeMessages streams, or stop waits the grace out
            self.agent.deliver.close()
        if self.puller is not None:
            self.puller.stop()
        if self.grpc is not None:
            self.grpc.server.stop(self.settings.grace).wait()
            self.grpc.executor.shutdown(wait=True)
        if self.membership is not None:
            self.membership.leave()
        self.metrics.stop()
        self.agent.close()


def start_engine(settings: EngineSettings) -> RunningEngine:
    """Build and start an engine; on failure everything built is released."""
    engine = RunningEngine(settings)
    try:
        engine.start()
    except BaseException:
        engine.stop()
        raise
    return engine


def serve(settings: EngineSettings) -> None:
    """Run the engine until SIGTERM/SIGINT, then stop gracefully."""
    stopping = threading.Event()

    def on_signal(signum: int, frame: Any) -> None:
        stopping.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    gc.set_threshold(GC_YOUNG_THRESHOLD, *gc.get_threshold()[1:])
    engine = start_engine(settings)
    logger.info("engine listening on %s", settings.address)
    extra = f" (metrics on port {engine.metrics_port})" if engine.metrics_port is not None else ""
    print(f"Parley engine listening on {settings.address}{extra}", flush=True)
    stopping.wait()
    logger.info("stopping: letting in-flight calls finish (%.0f s at most)", settings.grace)
    engine.stop()
