"""One contract, every event broker: file, SQL (SQLite and PostgreSQL), RabbitMQ."""
from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from engine.stores.brokers.base import EventBroker, broker_event
from tests.contracts.conftest import need_module

_counter = itertools.count()

Reader = Callable[[], list[dict[str, Any]]]


@pytest.fixture(params=["file", "sqlite", "postgresql", "pika"])
def broker_and_reader(
    request: pytest.FixtureRequest, tmp_path: Path, run_id: str
) -> Iterator[tuple[EventBroker, Reader]]:
    """A broker of one kind and a function reading back what it delivered."""
    kind = request.param
    number = next(_counter)
    cleanup: list[Callable[[], None]] = []
    if kind == "file":
        from engine.stores.brokers.file import FileEventBroker

        path = tmp_path / "logs" / "rasa_event.log"
        broker: EventBroker = FileEventBroker(path=str(path))

        def read() -> list[dict[str, Any]]:
            return [orjson.loads(line) for line in path.read_bytes().splitlines()]

    elif kind in ("sqlite", "postgresql"):
        need_module("sqlalchemy")
        import sqlalchemy as sa

        from engine.stores.brokers.sql import SQLEventBroker

        table = f"broker_events_{run_id}_{number}"
        if kind == "sqlite":
            url = f"sqlite:///{tmp_path / 'events.db'}"
            broker = SQLEventBroker(dialect="sqlite", db=str(tmp_path / "events.db"), table_name=table)
        else:
            need_module("psycopg2")
            url = request.getfixturevalue("postgres_url")
            broker = SQLEventBroker(url=url, table_name=table)

        def read() -> list[dict[str, Any]]:
            engine = sa.create_engine(url)
            with engine.connect() as conn:
                rows = conn.execute(sa.text(f'SELECT sender_id, data FROM "{table}" ORDER BY id')).all()
            engine.dispose()
            for sender_id, data in rows:
                assert orjson.loads(data)["sender_id"] == sender_id  # the indexed column agrees
            return [orjson.loads(data) for _, data in rows]

        def drop() -> None:
            engine = sa.create_engine(url)
            with engine.begin() as conn:
                conn.execute(sa.text(f'DROP TABLE IF EXISTS "{table}"'))
            engine.dispose()

        cleanup.append(drop)
    else:
        need_module("pika")
        amqp_url = request.getfixturevalue("amqp_url")
        import pika

        from engine.stores.brokers.pika import PikaEventBroker

        queue = f"parley_test_{run_id}_{number}"
        exchange = f"parley-test-{run_id}-{number}"
        broker = PikaEventBroker(url=amqp_url, queues=[queue], exchange_name=exchange)

        def read() -> list[dict[str, Any]]:
            connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
            channel = connection.channel()
            got = []
            while True:
                method, properties, body = channel.basic_get(queue, auto_ack=True)
                if method is None:
                    break
                assert properties.delivery_mode == 2  # persistent
                got.append(orjson.loads(body))
            connection.close()
            return got

        def drop() -> None:
            connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
            channel = connection.channel()
            channel.queue_delete(queue)
            channel.exchange_delete(exchange)
            connection.close()

        cleanup.append(drop)
    yield broker, read
    broker.close()
    for step in cleanup:
        step()


def conversation(sender: str, turns: int) -> list[dict[str, Any]]:
    """Rasa-like events of one conversation, numbered so order is visible."""
    events: list[dict[str, Any]] = []
    for i in range(turns):
        events.append({"event": "user", "text": f"{sender} says {i} ✓", "timestamp": float(i), "parse_data": {"intent": {"name": "greet"}}})
        events.append({"event": "bot", "text": f"reply {i} 👋", "timestamp": i + 0.5, "data": {}, "metadata": {}})
    return events


def test_every_event_arrives_once_in_order_with_sender_id(broker_and_reader: tuple[EventBroker, Reader]) -> None:
    broker, read = broker_and_reader
    talks = {name: conversation(name, 10) for name in ("alice", "bob", "ünïcode 会話")}
    # Interleave the conversations, as concurrent turns would.
    published = []
    for i in range(20):
        for name, events in talks.items():
            document = broker_event(name, events[i])
            broker.publish(document)
            published.append(document)
    got = read()
    assert got == published
    for name, events in talks.items():
        mine = [{k: v for k, v in doc.items() if k != "sender_id"} for doc in got if doc["sender_id"] == name]
        assert mine == events


def test_publishing_from_threads_keeps_each_conversation_in_order(broker_and_reader: tuple[EventBroker, Reader]) -> None:
    broker, read = broker_and_reader
    errors: list[BaseException] = []

    def talk(name: str) -> None:
        try:
            for event in conversation(name, 8):
                broker.publish(broker_event(name, event))
        except BaseException as ex:  # reported below
            errors.append(ex)

    names = [f"t{n}" for n in range(4)]
    threads = [threading.Thread(target=talk, args=(name,), daemon=True) for name in names]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors
    got = read()
    assert len(got) == 4 * 16
    for name in names:
        mine = [{k: v for k, v in doc.items() if k != "sender_id"} for doc in got if doc["sender_id"] == name]
        assert mine == conversation(name, 8)
