"""Service probes for the contract suites: real PostgreSQL, Redis and RabbitMQ.

A service that does not answer skips its tests with a loud reason; under
CI (``CI=true``) it fails them instead, so a broken service never passes
silently. Addresses can be moved with PARLEY_TEST_POSTGRES_URL,
PARLEY_TEST_REDIS_URL and PARLEY_TEST_AMQP_URL.
"""
from __future__ import annotations

import os
import socket
import uuid
from urllib.parse import urlsplit

import pytest

from tests.conftest import in_ci

DEFAULT_POSTGRES = "postgresql+psycopg2://postgres@127.0.0.1:5432/test"
DEFAULT_REDIS = "redis://127.0.0.1:6379/0"
DEFAULT_AMQP = "amqp://guest:guest@127.0.0.1:5672/%2F"


def service_missing(service: str, url: str, why: object) -> None:
    """Skip loudly, or fail under CI, because ``service`` is not reachable."""
    message = (
        f"!!! SERVICE NOT AVAILABLE: {service} at {url} ({why}). These contract tests did NOT "
        f"run; start {service} to run them (under CI=true this is a failure)."
    )
    if in_ci():
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def _port_open(url: str, default_port: int) -> str | None:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or default_port), 1.0):
            return None
    except OSError as ex:
        return str(ex)


@pytest.fixture(scope="session")
def run_id() -> str:
    """A short id unique to this test run, for key prefixes and table names."""
    return uuid.uuid4().hex[:10]


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """URL of the test PostgreSQL database (probed)."""
    url = os.environ.get("PARLEY_TEST_POSTGRES_URL", DEFAULT_POSTGRES)
    problem = _port_open(url, 5432)
    if problem is None:
        try:
            import sqlalchemy as sa

            engine = sa.create_engine(url)
            with engine.connect() as conn:
                conn.execute(sa.text("SELECT 1"))
            engine.dispose()
        except ImportError as ex:
            problem = f"client library missing: {ex}"
        except Exception as ex:  # any driver/auth failure means "not usable"
            problem = f"{ex.__class__.__name__}: {str(ex).splitlines()[0]}"
    if problem is not None:
        service_missing("PostgreSQL", url, problem)
    return url


@pytest.fixture(scope="session")
def redis_url() -> str:
    """URL of the test Redis server (probed)."""
    url = os.environ.get("PARLEY_TEST_REDIS_URL", DEFAULT_REDIS)
    problem = _port_open(url, 6379)
    if problem is None:
        try:
            import redis

            client = redis.Redis.from_url(url, socket_timeout=2)
            client.ping()
            client.close()
        except ImportError as ex:
            problem = f"client library missing: {ex}"
        except Exception as ex:
            problem = f"{ex.__class__.__name__}: {ex}"
    if problem is not None:
        service_missing("Redis", url, problem)
    return url


@pytest.fixture(scope="session")
def amqp_url() -> str:
    """URL of the test RabbitMQ server (probed)."""
    url = os.environ.get("PARLEY_TEST_AMQP_URL", DEFAULT_AMQP)
    problem = _port_open(url, 5672)
    if problem is None:
        try:
            import pika

            params = pika.URLParameters(url)
            params.socket_timeout = 3
            params.connection_attempts = 1
            pika.BlockingConnection(params).close()
        except ImportError as ex:
            problem = f"client library missing: {ex}"
        except Exception as ex:
            problem = f"{ex.__class__.__name__}: {ex!r}"
    if problem is not None:
        service_missing("RabbitMQ", url, problem)
    return url


@pytest.fixture
def redis_client(redis_url: str):
    """A raw redis-py client on the test server, for inspection and cleanup."""
    import redis

    client = redis.Redis.from_url(redis_url, socket_timeout=5)
    yield client
    client.close()


def delete_redis_prefix(client: object, prefix: str) -> None:
    """Delete every key under ``prefix`` (SCAN, never KEYS)."""
    from engine.stores.redis_client import escape_glob

    keys = list(client.scan_iter(match=escape_glob(prefix) + "*", count=1000))  # type: ignore[attr-defined]
    for start in range(0, len(keys), 500):
        client.delete(*keys[start:start + 500])  # type: ignore[attr-defined]


def need_module(name: str) -> None:
    """Skip loudly (fail under CI) when a backend's client library is not installed."""
    import importlib.util

    if importlib.util.find_spec(name) is None:
        message = (
            f"!!! CLIENT LIBRARY NOT INSTALLED: {name}. These contract tests did NOT run; "
            "install the extras: pip install -e '.[redis,sql,amqp]' (under CI=true this is a failure)."
        )
        if in_ci():
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
