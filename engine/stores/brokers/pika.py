"""RabbitMQ event broker (pika): a blocking publisher with reconnect and a bounded buffer.

Events go to a durable fanout exchange bound to every configured queue, as
persistent JSON messages with publisher confirms. An event that cannot be
delivered (RabbitMQ down) waits in a bounded in-memory buffer and goes out,
in order, with the next publish once the connection is back; when the
buffer is full the oldest events are dropped with a warning.
"""
from __future__ import annotations

import logging
import threading
import time
from collections import deque
from typing import Any

import orjson

from engine.errors import BadRequest, DataError, Unavailable
from engine.stores.brokers.base import EventBroker

logger = logging.getLogger(__name__)

DEFAULT_QUEUE = "rasa_core_events"
DEFAULT_EXCHANGE = "rasa-exchange"


def _import_pika() -> Any:
    try:
        import pika
    except ImportError as ex:  # pragma: no cover - depends on the installation
        raise DataError("the pika event broker needs pika: pip install 'parley[amqp]'") from ex
    return pika


class PikaEventBroker(EventBroker):
    """Publishes events to RabbitMQ.

    Args:
        url: Host name, or a complete ``amqp://`` / ``amqps://`` URL (``host`` is an alias).
        username: Login user (default ``guest``).
        password: Login password (default ``guest``).
        port: Port (default 5672).
        queues: Queue names (a list, or one name; default ``rasa_core_events``).
        queue: Rasa 1.x spelling of a single queue.
        exchange_name: Fanout exchange the queues are bound to.
        raise_on_failure: Raise :class:`engine.errors.Unavailable` when an
            event cannot be delivered now, instead of buffering it.
        retry_delay_in_seconds: Least pause between two reconnection tries.
        buffer_size: Most events kept while RabbitMQ is unreachable.
        virtual_host: AMQP virtual host (default ``/``).
        socket_timeout: Seconds a connect or publish may take.
    """

    name = "pika"

    def __init__(
        self,
        url: str | None = None,
        username: str = "guest",
        password: str = "guest",
        port: int | str | None = 5672,
        queues: list[str] | str | None = None,
        queue: str | None = None,
        exchange_name: str = DEFAULT_EXCHANGE,
        raise_on_failure: bool = False,
        retry_delay_in_seconds: float | str = 5.0,
        buffer_size: int | str = 10_000,
        virtual_host: str = "/",
        host: str | None = None,
        socket_timeout: float | str = 5.0,
        **_ignored: Any,
    ) -> None:
        self._pika = _import_pika()
        self.queues = _queue_names(queues, queue)
        self.exchange_name = str(exchange_name or DEFAULT_EXCHANGE)
        self.raise_on_failure = bool(raise_on_failure)
        try:
            self.retry_delay = float(retry_delay_in_seconds)
            self._buffer: deque[bytes] = deque(maxlen=max(1, int(buffer_size)))
            timeout = float(socket_timeout)
            self._parameters = self._connection_parameters(
                url or host or "localhost", port, username, password, virtual_host, timeout
            )
        except (TypeError, ValueError) as ex:
            raise DataError(f"invalid pika event broker settings: {ex}") from ex
        self._properties = self._pika.BasicProperties(
            content_type="application/json",
            delivery_mode=2,  # persistent
            app_id="parley",
        )
        self._guard = threading.Lock()
        self._connection: Any = None
        self._channel: Any = None
        self._next_attempt = 0.0
        self._dropped = 0
        self._last_error: Exception | None = None
        with self._guard:
            self._ensure_channel(log_failure=True)

    def _connection_parameters(
        self, target: str, port: Any, username: str, password: str, vhost: str, timeout: float
    ) -> Any:
        pika = self._pika
        if "://" in target:
            params = pika.URLParameters(target)
        else:
            params = pika.ConnectionParameters(
                host=target,
                port=int(port or 5672),
                virtual_host=vhost or "/",
                credentials=pika.PlainCredentials(str(username), str(password)),
            )
        params.connection_attempts = 1
        params.retry_delay = 0
        params.socket_timeout = timeout
        params.stack_timeout = timeout * 2
        params.blocked_connection_timeout = timeout * 6
        return params

    def describe(self) -> str:
        """Name the RabbitMQ server for messages (no password)."""
        return f"{self._parameters.host}:{self._parameters.port}{self._parameters.virtual_host}"

    # -- connection --------------------------------------------------------

    def _ensure_channel(self, *, log_failure: bool = False, force: bool = False) -> bool:
        """Connect and declare the topology unless connected; honour the retry delay."""
        if self._channel is not None and self._channel.is_open:
            return True
        self._drop_connection()
        if not force and time.monotonic() < self._next_attempt:
            return False
        pika = self._pika
        try:
            connection = pika.BlockingConnection(self._parameters)
            channel = connection.channel()
            channel.exchange_declare(self.exchange_name, exchange_type="fanout", durable=True)
            for name in self.queues:
                channel.queue_declare(name, durable=True)
                channel.queue_bind(name, self.exchange_name, routing_key="")
            channel.confirm_delivery()
        except (pika.exceptions.AMQPError, OSError) as ex:
            self._next_attempt = time.monotonic() + self.retry_delay
            if log_failure or not self._buffer:
                logger.warning("RabbitMQ at %s unreachable: %r", self.describe(), ex)
            self._last_error = ex
            return False
        self._connection, self._channel = connection, channel
        logger.info("publishing events to RabbitMQ at %s, queues %s", self.describe(), self.queues)
        return True

    def _drop_connection(self) -> None:
        connection, self._connection, self._channel = self._connection, None, None
        if connection is not None and connection.is_open:
            try:
                connection.close()
            except Exception:  # already broken; nothing more to release
                pass

    # -- publishing --------------------------------------------------------

    def publish(self, event: dict[str, Any]) -> None:
        """Publish the event after any events still buffered.

        Raises:
            Unavailable: RabbitMQ is unreachable and ``raise_on_failure`` is set.
        """
        try:
            body = orjson.dumps(event)
        except TypeError as ex:
            raise BadRequest(f"event cannot be published as JSON: {ex}") from ex
        with self._guard:
            if len(self._buffer) == self._buffer.maxlen:
                self._dropped += 1
                if self._dropped == 1 or self._dropped % 1000 == 0:
                    logger.error(
                        "RabbitMQ event buffer is full (%d events); dropped %d oldest so far",
                        self._buffer.maxlen, self._dropped,
                    )
            self._buffer.append(body)
            if self._flush() or not self.raise_on_failure:
                return
            # The caller learns of the failure, so it must not also go out later.
            self._buffer.pop()
            raise Unavailable(
                f"could not publish the event to RabbitMQ at {self.describe()}: "
                f"{self._last_error or 'not connected'!r}"
            )

    def flush(self) -> bool:
        """Try to send buffered events now; return True when none are left."""
        with self._guard:
            return self._flush(force=True)

    def _flush(self, *, force: bool = False) -> bool:
        pika = self._pika
        retried = False
        while self._buffer:
            if not self._ensure_channel(force=force):
                return False
            try:
                self._channel.basic_publish(
                    self.exchange_name, "", self._buffer[0], self._properties, mandatory=True
                )
            except (pika.exceptions.AMQPError, OSError) as ex:
                # A stale connection (idle past its heartbeat) fails on first
                # use, and an unroutable message means the queues were deleted:
                # reconnect (and declare) once at once, then wait for the delay.
                self._last_error = ex
                self._drop_connection()
                if retried:
                    self._next_attempt = time.monotonic() + self.retry_delay
                    logger.warning("RabbitMQ publish failed: %r", ex)
                    return False
                retried = True
                force = True
                continue
            self._buffer.popleft()
        return True

    @property
    def pending(self) -> int:
        """Events waiting in the buffer for RabbitMQ to come back."""
        return len(self._buffer)

    def close(self) -> None:
        """Try once more to deliver buffered events, then close the connection."""
        with self._guard:
            if self._buffer and not self._flush(force=True):
                logger.error("closing the RabbitMQ broker with %d undelivered events", len(self._buffer))
            self._drop_connection()


def _queue_names(queues: list[str] | str | None, queue: str | None) -> list[str]:
    if isinstance(queues, str):
        names = [q.strip() for q in queues.split(",") if q.strip()]
    elif queues:
        names = [str(q) for q in queues]
    else:
        names = []
    if queue and queue not in names:
        names.append(str(queue))
    return names or [DEFAULT_QUEUE]
