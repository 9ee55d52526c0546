"""RabbitMQ broker specifics: reconnects, a bounded buffer while down, raise_on_failure."""
from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import orjson
import pytest

from engine.errors import Unavailable
from tests.conftest import free_port
from tests.contracts.conftest import need_module

need_module("pika")

import pika  # noqa: E402 - after the loud skip

from engine.stores.brokers.pika import PikaEventBroker  # noqa: E402

_counter = itertools.count()


@pytest.fixture
def names(amqp_url: str, run_id: str) -> Iterator[tuple[str, str]]:
    """A queue and an exchange unique to this test; deleted afterwards."""
    number = next(_counter)
    queue, exchange = f"parley_test_{run_id}_p{number}", f"parley-test-{run_id}-p{number}"
    yield queue, exchange
    connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
    channel = connection.channel()
    channel.queue_delete(queue)
    channel.exchange_delete(exchange)
    connection.close()


def drain(amqp_url: str, queue: str) -> list[dict[str, Any]]:
    """Read every message of ``queue``."""
    connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
    channel = connection.channel()
    got = []
    while True:
        method, _, body = channel.basic_get(queue, auto_ack=True)
        if method is None:
            break
        got.append(orjson.loads(body))
    connection.close()
    return got


def test_default_queue_and_every_configured_queue_get_the_event(amqp_url: str, names: tuple[str, str]) -> None:
    queue, exchange = names
    broker = PikaEventBroker(url=amqp_url, queues=f"{queue}, {queue}_b", exchange_name=exchange)
    broker.publish({"sender_id": "s", "event": "user", "text": "hi"})
    broker.close()
    try:
        assert drain(amqp_url, queue) == [{"sender_id": "s", "event": "user", "text": "hi"}]
        assert drain(amqp_url, f"{queue}_b") == [{"sender_id": "s", "event": "user", "text": "hi"}]
    finally:
        connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
        connection.channel().queue_delete(f"{queue}_b")
        connection.close()


def test_a_dropped_connection_is_reopened_without_losing_events(amqp_url: str, names: tuple[str, str]) -> None:
    queue, exchange = names
    broker = PikaEventBroker(url=amqp_url, queues=[queue], exchange_name=exchange)
    broker.publish({"sender_id": "s", "n": 1})
    broker._connection.close()  # what RabbitMQ restarting or an idle timeout leaves behind
    broker.publish({"sender_id": "s", "n": 2})
    broker.close()
    assert [e["n"] for e in drain(amqp_url, queue)] == [1, 2]


def test_events_wait_in_order_while_rabbitmq_is_away(amqp_url: str, names: tuple[str, str]) -> None:
    queue, exchange = names
    broker = PikaEventBroker(url=amqp_url, queues=[queue], exchange_name=exchange, retry_delay_in_seconds=60)
    real_port = broker._parameters.port
    broker._drop_connection()
    broker._parameters.port = free_port()  # RabbitMQ goes away
    for n in range(3):
        broker.publish({"sender_id": "s", "n": n})  # no error: buffered
    assert broker.pending == 3
    broker._parameters.port = real_port  # ... and comes back
    assert broker.flush()
    broker.publish({"sender_id": "s", "n": 3})
    broker.close()
    assert [e["n"] for e in drain(amqp_url, queue)] == [0, 1, 2, 3]


def test_buffer_is_bounded_and_drops_the_oldest(caplog: pytest.LogCaptureFixture) -> None:
    broker = PikaEventBroker(url="127.0.0.1", port=free_port(), buffer_size=3, retry_delay_in_seconds=60)
    for n in range(5):
        broker.publish({"sender_id": "s", "n": n})
    assert broker.pending == 3
    assert [orjson.loads(body)["n"] for body in broker._buffer] == [2, 3, 4]
    assert "buffer is full" in caplog.text
    broker.close()


def test_raise_on_failure_reports_an_unreachable_rabbitmq() -> None:
    port = free_port()
    broker = PikaEventBroker(url="127.0.0.1", port=port, raise_on_failure=True, retry_delay_in_seconds=0)
    with pytest.raises(Unavailable, match=f"127.0.0.1:{port}"):
        broker.publish({"sender_id": "s", "event": "user"})
    assert broker.pending == 0  # the caller knows; it is not sent again later
    broker.close()
