"""Redis connections from Rasa-style endpoint options (tracker store and lock store).

Only the modules that talk to Redis import this one, so redis-py stays an
optional dependency (setup.cfg extra ``redis``).
"""
from __future__ import annotations

from typing import Any

from engine.errors import DataError, Unavailable


def import_redis() -> Any:
    """Import redis-py, or explain which extra to install."""
    try:
        import redis
    except ImportError as ex:  # pragma: no cover - depends on the installation
        raise DataError("the Redis tracker/lock store needs redis-py: pip install 'parley[redis]'") from ex
    return redis


def connect(
    *,
    url: str | None = None,
    host: str | None = None,
    port: int | str | None = None,
    db: int | str | None = None,
    username: str | None = None,
    password: str | None = None,
    use_ssl: bool = False,
    socket_timeout: float | str | None = 10.0,
) -> Any:
    """Open (and check) a Redis client.

    Args:
        url: Rasa's ``url`` option: a host name, or a complete ``redis://`` /
            ``rediss://`` / ``unix://`` URL (e.g. ``REDIS_URL``), whose
            settings then win over the separate options.
        host: Alias of a host-name ``url``.
        port: Port (default 6379).
        db: Database number (default 0).
        username: ACL user name.
        password: Password.
        use_ssl: Connect with TLS.
        socket_timeout: Seconds a Redis call may take before it fails.

    Raises:
        Unavailable: Redis does not answer.
    """
    redis = import_redis()
    target = url or host or "localhost"
    timeout = float(socket_timeout) if socket_timeout not in (None, "") else None
    from redis.backoff import ExponentialBackoff
    from redis.retry import Retry

    common = {
        # No silent retries: a write whose reply was lost may have happened,
        # and replaying it would store events twice. Idle connections are
        # checked before use instead (health_check_interval).
        "retry": Retry(ExponentialBackoff(), 0),
        "socket_timeout": timeout,
        "socket_connect_timeout": min(timeout, 5.0) if timeout else 5.0,
        "health_check_interval": 30,
    }
    try:
        if "://" in str(target):
            client = redis.Redis.from_url(str(target), **common)
        else:
            client = redis.Redis(
                host=str(target),
                port=int(port or 6379),
                db=int(db or 0),
                username=username,
                password=None if password is None else str(password),
                ssl=bool(use_ssl),
                **common,
            )
    except (TypeError, ValueError) as ex:
        raise DataError(f"invalid Redis settings: {ex}") from ex
    try:
        client.ping()
    except redis.RedisError as ex:
        client.close()
        raise unavailable(client, ex) from ex
    return client


def describe(client: Any) -> str:
    """Name the Redis server of ``client`` for messages (no password)."""
    kwargs = client.connection_pool.connection_kwargs
    if "path" in kwargs:
        return f"unix://{kwargs['path']}"
    return f"{kwargs.get('host', '?')}:{kwargs.get('port', '?')}/{kwargs.get('db', 0)}"


def unavailable(client: Any, ex: Exception) -> Unavailable:
    """Wrap a Redis error as :class:`Unavailable`."""
    return Unavailable(f"Redis at {describe(client)} failed: {ex.__class__.__name__}: {ex}")


def escape_glob(text: str) -> str:
    """Escape Redis glob characters so ``text`` matches itself in SCAN MATCH."""
    return "".join("\\" + ch if ch in "*?[]\\" else ch for ch in text)
