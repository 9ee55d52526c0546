"""Redis tracker store: each conversation is a Redis LIST of event JSON.

A turn is one RPUSH (inside a small Lua script), never a read-modify-write
of the whole conversation. A side key keeps the list index of the last
``action_session_start`` and is updated in the same script, so the current
session is read with one LRANGE from that index.

Keys (Rasa-like): ``<key_prefix>:tracker:<sender>`` (``tracker:<sender>``
without a prefix) holds the events; ``...tracker_session:<sender>`` holds
the session index. A value left by Rasa's own Redis store (a JSON string
``{"events": [...]}``) is read, and converted to a list on the first append.
"""
from __future__ import annotations

import logging
from typing import Any

import orjson

from engine.errors import BadRequest, DataError
from engine.stores.redis_client import connect, escape_glob, import_redis, unavailable
from engine.stores.tracker.base import SESSION_START, TrackerStore, last_session

logger = logging.getLogger(__name__)

# KEYS: events list, session index. ARGV: ttl ms (0 = none), offset of the
# last session start within the new events (-1 = none), events...
_APPEND = """
local total = #ARGV - 2
local n = 0
for i = 3, #ARGV, 1000 do
  n = redis.call('RPUSH', KEYS[1], unpack(ARGV, i, math.min(i + 999, #ARGV)))
end
local offset = tonumber(ARGV[2])
if offset >= 0 then
  redis.call('SET', KEYS[2], n - total + offset)
elseif n == total then
  redis.call('DEL', KEYS[2])
end
local ttl = tonumber(ARGV[1])
if ttl > 0 then
  redis.call('PEXPIRE', KEYS[1], ttl)
  redis.call('PEXPIRE', KEYS[2], ttl)
end
return n
"""

# KEYS: events list, session index. ARGV: '1' for all sessions.
_RETRIEVE = """
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local start = 0
if ARGV[1] ~= '1' then
  start = tonumber(redis.call('GET', KEYS[2]) or '0') or 0
end
local events = redis.call('LRANGE', KEYS[1], start, -1)
if #events == 0 then return redis.call('LRANGE', KEYS[1], 0, -1) end
return events
"""

_CHUNK = 1000


class RedisTrackerStore(TrackerStore):
    """Keeps conversations in Redis lists.

    Args:
        url: Host name, or a complete ``redis://`` URL (``host`` is an alias).
        port: Port (default 6379).
        db: Database number (default 0).
        password: Password.
        use_ssl: Connect with TLS.
        key_prefix: Prefix of every key (``<prefix>:tracker:<sender>``).
        record_exp: Seconds a conversation lives after its last append
            (None: forever).
        username: ACL user name.
        socket_timeout: Seconds one Redis call may take.
    """

    name = "redis"

    def __init__(
        self,
        url: str | None = None,
        port: int | str | None = None,
        db: int | str | None = None,
        password: str | None = None,
        use_ssl: bool = False,
        key_prefix: str | None = None,
        record_exp: float | str | None = None,
        host: str | None = None,
        username: str | None = None,
        socket_timeout: float | str | None = 10.0,
        **_ignored: Any,
    ) -> None:
        self._redis = import_redis()
        self.client = connect(
            url=url, host=host, port=port, db=db, username=username, password=password,
            use_ssl=use_ssl, socket_timeout=socket_timeout,
        )
        prefix = f"{key_prefix}:" if key_prefix else ""
        self.key_namespace = prefix
        self._events_prefix = f"{prefix}tracker:"
        self._session_prefix = f"{prefix}tracker_session:"
        try:
            seconds = float(record_exp) if record_exp not in (None, "", 0, "0") else 0.0
        except (TypeError, ValueError) as ex:
            raise DataError(f"the Redis option 'record_exp' must be seconds, not '{record_exp}'") from ex
        self._ttl_ms = int(seconds * 1000)
        self._append = self.client.register_script(_APPEND)
        self._retrieve = self.client.register_script(_RETRIEVE)

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> RedisTrackerStore:
        """Create the store from an endpoints.yml ``tracker_store`` section."""
        return cls(**{k: v for k, v in config.items() if k not in ("type", "store_type")})

    def _keys(self, conversation_id: str) -> list[str]:
        return [self._events_prefix + conversation_id, self._session_prefix + conversation_id]

    # -- writes ------------------------------------------------------------

    def append(self, conversation_id: str, events: list[dict[str, Any]]) -> None:
        """RPUSH the events (and move the session index) in one atomic script."""
        if not events:
            return
        encoded = _encode(events)
        offset = _last_session_offset(events)
        keys = self._keys(conversation_id)
        try:
            try:
                self._append(keys=keys, args=[self._ttl_ms, offset, *encoded])
            except self._redis.ResponseError as ex:
                if "WRONGTYPE" not in str(ex):
                    raise
                self._convert_legacy(conversation_id)
                self._append(keys=keys, args=[self._ttl_ms, offset, *encoded])
        except self._redis.RedisError as ex:
            raise unavailable(self.client, ex) from ex

    def replace(self, conversation_id: str, events: list[dict[str, Any]]) -> None:
        """Swap the conversation's events in one MULTI/EXEC transaction."""
        encoded = _encode(events)
        try:
            self._write_all(conversation_id, events, encoded)
        except self._redis.RedisError as ex:
            raise unavailable(self.client, ex) from ex

    def _write_all(self, conversation_id: str, events: list[dict[str, Any]], encoded: list[bytes]) -> None:
        events_key, session_key = self._keys(conversation_id)
        offset = _last_session_offset(events)
        with self.client.pipeline(transaction=True) as pipe:
            pipe.delete(events_key, session_key)
            for start in range(0, len(encoded), _CHUNK):
                pipe.rpush(events_key, *encoded[start:start + _CHUNK])
            if offset >= 0:
                pipe.set(session_key, offset)
            if self._ttl_ms and encoded:
                pipe.pexpire(events_key, self._ttl_ms)
                if offset >= 0:
                    pipe.pexpire(session_key, self._ttl_ms)
            pipe.execute()

    def _convert_legacy(self, conversation_id: str) -> None:
        """Turn a Rasa-written JSON string value into our list layout."""
        events = self._read_legacy(conversation_id) or []
        logger.info("converting Rasa's Redis tracker of '%s' to an event list", conversation_id)
        self._write_all(conversation_id, events, _encode(events))

    def _read_legacy(self, conversation_id: str) -> list[dict[str, Any]] | None:
        raw = self.client.get(self._events_prefix + conversation_id)
        if raw is None:
            return None
        try:
            events = orjson.loads(raw).get("events") or []
        except (orjson.JSONDecodeError, AttributeError):
            logger.warning("ignoring an unreadable Redis tracker value for '%s'", conversation_id)
            return None
        return list(events)

    # -- reads -------------------------------------------------------------

    def retrieve(
        self, conversation_id: str, *, all_sessions: bool = False
    ) -> list[dict[str, Any]] | None:
        """Return the conversation's events (current session unless ``all_sessions``)."""
        try:
            try:
                raw = self._retrieve(keys=self._keys(conversation_id), args=["1" if all_sessions else "0"])
            except self._redis.ResponseError as ex:
                if "WRONGTYPE" not in str(ex):
                    raise
                legacy = self._read_legacy(conversation_id)
                if legacy is None:
                    return None
                return legacy if all_sessions else last_session(legacy)
        except self._redis.RedisError as ex:
            raise unavailable(self.client, ex) from ex
        if raw is None:
            return None
        events = [orjson.loads(item) for item in raw]
        # The index is a shortcut; the session boundary itself is the event.
        return events if all_sessions else last_session(events)

    def exists(self, conversation_id: str) -> bool:
        """Return whether the conversation's key exists."""
        try:
            return bool(self.client.exists(self._events_prefix + conversation_id))
        except self._redis.RedisError as ex:
            raise unavailable(self.client, ex) from ex

    def keys(self) -> list[str]:
        """Return every conversation id, found with SCAN (never KEYS)."""
        pattern = escape_glob(self._events_prefix) + "*"
        cut = len(self._events_prefix.encode("utf-8"))
        try:
            found = {key[cut:].decode("utf-8") for key in self.client.scan_iter(match=pattern, count=1000)}
        except self._redis.RedisError as ex:
            raise unavailable(self.client, ex) from ex
        return sorted(found)

    def close(self) -> None:
        """Close the connection pool."""
        self.client.close()


def _encode(events: list[dict[str, Any]]) -> list[bytes]:
    try:
        return [orjson.dumps(event) for event in events]
    except TypeError as ex:
        raise BadRequest(f"event cannot be stored as JSON: {ex}") from ex


def _last_session_offset(events: list[dict[str, Any]]) -> int:
    for index in range(len(events) - 1, -1, -1):
        event = events[index]
        if event.get("event") == "action" and event.get("name") == SESSION_START:
            return index
    return -1
