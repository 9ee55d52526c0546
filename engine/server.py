"""Composition root of the engine process: build, serve, stop gracefully."""
from __future__ import annotations

import logging
import signal
import threading
from concurrent import futures
from typing import Any

from engine.agent import Agent
from engine.errors import EngineError
from engine.settings import EngineSettings

logger = logging.getLogger(__name__)

SERVICE_NAME = "parley.engine.v1.Engine"


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


def build_agent(settings: EngineSettings) -> Agent:
    """Create the agent and load the configured model, if there is one."""
    from engine.stores.registry import create_event_broker

    tracker_store, lock_store = build_stores(settings.endpoints)
    broker = create_event_broker(settings.endpoints.get("event_broker") or None)
    agent = Agent(tracker_store, lock_store, event_broker=broker, lock_wait=settings.lock_wait)
    try:
        from engine.models.loader import load_model

        agent.set_model(load_model(settings.model))
    except EngineError as ex:
        logger.warning("starting without a model: %s", ex.message)
    return agent


def create_server(agent: Agent, address: str, *, threads: int = 8) -> tuple[Any, Any]:
    """Create (not start) the gRPC server with health and reflection.

    Returns:
        The server and its health servicer.
    """
    import grpc
    from grpc_health.v1 import health, health_pb2, health_pb2_grpc
    from grpc_reflection.v1alpha import reflection

    from engine.servicer import EngineServicer
    from protos import engine_pb2, engine_pb2_grpc

    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=threads, thread_name_prefix="engine"),
        options=[
            ("grpc.max_receive_message_length", 512 * 1024 * 1024),
            ("grpc.max_send_message_length", 512 * 1024 * 1024),
            ("grpc.so_reuseport", 0),
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
    if server.add_insecure_port(address) == 0 and not address.startswith("unix:"):
        raise OSError(f"cannot bind the engine to {address}")
    for service in ("", SERVICE_NAME):
        health_servicer.set(service, health_pb2.HealthCheckResponse.SERVING)
    return server, health_servicer


def serve(settings: EngineSettings) -> None:
    """Run the engine until SIGTERM/SIGINT, then stop gracefully."""
    agent = build_agent(settings)
    server, health_servicer = create_server(agent, settings.address, threads=settings.threads)
    server.start()
    logger.info("engine listening on %s", settings.address)
    print(f"Parley engine listening on {settings.address}", flush=True)
    stopping = threading.Event()

    def on_signal(signum: int, frame: Any) -> None:
        stopping.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    stopping.wait()
    logger.info("stopping: letting in-flight calls finish (%.0f s at most)", settings.grace)
    health_servicer.enter_graceful_shutdown()
    server.stop(settings.grace).wait()
    agent.close()
