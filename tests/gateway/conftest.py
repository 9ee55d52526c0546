"""Gateway test fixtures: a fake engine over real gRPC and app clients."""
from __future__ import annotations

from typing import Any, Callable, Iterator

import falcon.testing
import pytest

from gateway.app import create_app
from gateway.engine_client import EngineClient
from gateway.settings import GatewaySettings
from tests.gateway.fake_engine import FakeEngine, FakeEngineServer


@pytest.fixture(scope="session")
def engine_server() -> Iterator[FakeEngineServer]:
    """One fake engine server for the whole session."""
    server = FakeEngineServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def fake(engine_server: FakeEngineServer) -> Iterator[FakeEngine]:
    """The fake engine, reset before each test."""
    engine_server.engine.reset()
    yield engine_server.engine
    engine_server.engine.reset()


ClientFactory = Callable[..., falcon.testing.TestClient]


@pytest.fixture
def make_client(engine_server: FakeEngineServer, fake: FakeEngine) -> ClientFactory:
    """Build a test client; keyword arguments override the settings.

    Defaults: the fake engine's address, API enabled, no auth, 5 s deadline.
    """

    def make(**overrides: Any) -> falcon.testing.TestClient:
        values: dict[str, Any] = {
            "engine_address": engine_server.address,
            "enable_api": True,
            "engine_timeout": 5.0,
        }
        values.update(overrides)
        settings = GatewaySettings(**values)
        engine = EngineClient(settings.engine_address, settings.engine_timeout)
        return falcon.testing.TestClient(create_app(settings, engine))

    return make


@pytest.fixture
def client(make_client: ClientFactory) -> falcon.testing.TestClient:
    """A client of an open (no auth) gateway with the API enabled."""
    return make_client()
