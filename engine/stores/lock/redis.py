"""Redis lock store: fair per-conversation locks shared by several engine processes.

Every step is one atomic Lua script, so processes never read-modify-write
shared state. Per conversation (keys ``<key_prefix><id>:<part>``):

- ``ticket``: counter; a caller INCRs it to take its place in the queue.
- ``waiters``: sorted set ticket -> heartbeat deadline (Redis time, ms). A
  waiter refreshes its deadline on every poll; a waiter that died or gave
  up stops doing so, and its ticket is skipped.
- ``serving``: the ticket whose turn it is.
- ``holder``: the holder's random token, set with a bounded lifetime (PX),
  so a crashed holder frees the conversation when the lifetime ends.
- ``wake``: a list the releaser pushes one item per waiter onto; waiters
  block on it (BLPOP) between attempts, so a hand-over does not wait for a
  poll. Polling stays as the fallback (crashed holder, lost wake-up).

A waiter enters when ``holder`` is absent and every ticket before its own
belongs to nobody alive: first come, first served. Release deletes
``holder`` only if it still carries the caller's token.
"""
from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from engine.errors import DataError, LockTimeout
from engine.stores.lock.base import LockStore
from engine.stores.redis_client import connect, describe, import_redis, unavailable

logger = logging.getLogger(__name__)

_PARTS = ("ticket", "waiters", "serving", "holder", "wake")

# KEYS (every script): ticket, waiters, serving, holder, wake.
# ARGV (take and try): ticket (try only), token, lifetime ms, heartbeat ms, idle ms.
# attempt() returns 1 = acquired, 0 = wait, -1 = the ticket was lost.
_ATTEMPT = """
local function now_ms()
  local now = redis.call('TIME')
  return tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
end
local function attempt(now, ticket)
  if not redis.call('ZSCORE', KEYS[2], ticket) then return -1 end
  redis.call('ZADD', KEYS[2], now + tonumber(ARGV[4]), ticket)
  for i = 1, 3 do redis.call('PEXPIRE', KEYS[i], tonumber(ARGV[5])) end
  if redis.call('EXISTS', KEYS[4]) == 1 then return 0 end
  local serving = tonumber(redis.call('GET', KEYS[3]) or '1')
  while serving < ticket do
    local alive = redis.call('ZSCORE', KEYS[2], serving)
    if alive and tonumber(alive) > now then
      redis.call('SET', KEYS[3], serving, 'PX', tonumber(ARGV[5]))
      return 0
    end
    if alive then redis.call('ZREM', KEYS[2], serving) end
    serving = serving + 1
  end
  redis.call('ZREM', KEYS[2], ticket)
  redis.call('SET', KEYS[3], ticket, 'PX', tonumber(ARGV[5]))
  redis.call('SET', KEYS[4], ARGV[2], 'PX', tonumber(ARGV[3]))
  return 1
end
"""

# Take a ticket and try at once: one round trip when nobody else is there.
_TAKE = _ATTEMPT + """
local now = now_ms()
local ticket = redis.call('INCR', KEYS[1])
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[4]), ticket)
return {ticket, attempt(now, ticket)}
"""

_TRY = _ATTEMPT + """
return attempt(now_ms(), tonumber(ARGV[1]))
"""

# ARGV: ticket, token, idle ms.
# Returns 1 = released, 0 = the lock had expired (someone else may hold it).
_RELEASE = """
if redis.call('GET', KEYS[4]) ~= ARGV[2] then return 0 end
redis.call('DEL', KEYS[4])
for i = 1, 3 do redis.call('PEXPIRE', KEYS[i], tonumber(ARGV[3])) end
local ticket = tonumber(ARGV[1])
local waiting = redis.call('ZCARD', KEYS[2])
if waiting == 0 and tonumber(redis.call('GET', KEYS[1]) or '0') <= ticket then
  redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[5])
  return 1
end
local serving = tonumber(redis.call('GET', KEYS[3]) or '1')
if serving <= ticket then redis.call('SET', KEYS[3], ticket + 1, 'PX', tonumber(ARGV[3])) end
redis.call('DEL', KEYS[5])
for i = 1, math.min(waiting, 64) do redis.call('RPUSH', KEYS[5], 1) end
redis.call('PEXPIRE', KEYS[5], tonumber(ARGV[3]))
return 1
"""

# ARGV: ticket, idle ms.
_ABANDON = """
redis.call('ZREM', KEYS[2], tonumber(ARGV[1]))
if redis.call('EXISTS', KEYS[4]) == 1 then return 1 end
local waiting = redis.call('ZCARD', KEYS[2])
if waiting == 0 and tonumber(redis.call('GET', KEYS[1]) or '0') <= tonumber(ARGV[1]) then
  redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[5])
elseif waiting > 0 then
  -- The lock is free and our place is gone: the next waiter may go now.
  redis.call('DEL', KEYS[5])
  for i = 1, math.min(waiting, 64) do redis.call('RPUSH', KEYS[5], 1) end
  redis.call('PEXPIRE', KEYS[5], tonumber(ARGV[2]))
end
return 1
"""


class RedisLockStore(LockStore):
    """FIFO ticket locks in Redis, safe across processes and hosts.

    Args:
        url: Host name, or a complete ``redis://`` URL (``host`` is an alias).
        port: Port (default 6379).
        db: Database number (default 0).
        password: Password.
        use_ssl: Connect with TLS.
        key_prefix: Prefix of every lock key (default ``lock:``).
        lock_lifetime: Seconds a holder keeps the lock at most; after that
            a crashed (or stuck) holder no longer blocks the conversation.
        heartbeat: Seconds a waiter that stops polling keeps its place.
        poll_interval: Longest pause, in seconds, between two attempts.
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
        key_prefix: str | None = "lock:",
        lock_lifetime: float | str = 60.0,
        heartbeat: float | str = 2.0,
        poll_interval: float | str = 0.1,
        host: str | None = None,
        username: str | None = None,
        socket_timeout: float | str | None = 10.0,
        **_ignored: Any,
    ) -> None:
        try:
            self.lifetime_ms = int(float(lock_lifetime) * 1000)
            self.heartbeat_ms = int(float(heartbeat) * 1000)
            self.poll_interval = float(poll_interval)
        except (TypeError, ValueError) as ex:
            raise DataError(f"invalid Redis lock store timing option: {ex}") from ex
        if self.lifetime_ms <= 0 or self.heartbeat_ms <= 0 or self.poll_interval <= 0:
            raise DataError("Redis lock store: lock_lifetime, heartbeat and poll_interval must be > 0")
        self._redis = import_redis()
        self.client = connect(
            url=url, host=host, port=port, db=db, username=username, password=password,
            use_ssl=use_ssl, socket_timeout=socket_timeout,
        )
        self.key_prefix = "lock:" if key_prefix is None else str(key_prefix)
        # Bookkeeping keys outlive any holder and waiter, then vanish by themselves.
        self._idle_ms = 2 * (self.lifetime_ms + self.heartbeat_ms)
        self._take = self.client.register_script(_TAKE)
        self._try = self.client.register_script(_TRY)
        self._release = self.client.register_script(_RELEASE)
        self._abandon = self.client.register_script(_ABANDON)

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> RedisLockStore:
        """Create the store from an endpoints.yml ``lock_store`` section."""
        return cls(**{k: v for k, v in config.items() if k not in ("type", "store_type")})

    def _keys(self, conversation_id: str) -> list[str]:
        return [f"{self.key_prefix}{conversation_id}:{part}" for part in _PARTS]

    @contextmanager
    def lock(self, conversation_id: str, *, wait: float = 60.0) -> Iterator[None]:
        """Hold the conversation's lock, waiting at most ``wait`` seconds.

        Raises:
            LockTimeout: The lock was not acquired within ``wait`` seconds.
            Unavailable: Redis does not answer.
        """
        keys = self._keys(conversation_id)
        token = secrets.token_hex(16)
        ticket = self._acquire(conversation_id, keys, token, wait)
        try:
            yield
        finally:
            self._let_go(conversation_id, keys, ticket, token)

    def _acquire(self, conversation_id: str, keys: list[str], token: str, wait: float) -> int:
        started = time.monotonic()
        deadline = started + max(wait, 0.0)
        pause = min(0.01, self.poll_interval)
        timing = [token, self.lifetime_ms, self.heartbeat_ms, self._idle_ms]
        try:
            ticket, got = (int(x) for x in self._take(keys=keys, args=[0, *timing]))
            contended = got != 1
            while got != 1:
                if got == -1:
                    # We polled too late and were taken for dead: queue again.
                    logger.warning("lock wait for '%s' lost its place; queueing again", conversation_id)
                    ticket, got = (int(x) for x in self._take(keys=keys, args=[0, *timing]))
                    continue
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    self._abandon(keys=keys, args=[ticket, self._idle_ms])
                    self._report_timeout(time.monotonic() - started)
                    raise LockTimeout(
                        f"Timed out after {wait:g} s waiting for the lock of conversation "
                        f"'{conversation_id}'."
                    )
                # Woken by a release, or polls again after ``pause`` at most.
                self.client.blpop([keys[4]], timeout=max(0.001, min(pause, remaining)))
                pause = min(pause * 2, self.poll_interval)
                got = int(self._try(keys=keys, args=[ticket, *timing]))
            self._report_acquired(time.monotonic() - started, contended)
            return ticket
        except self._redis.RedisError as ex:
            raise unavailable(self.client, ex) from ex

    def _let_go(self, conversation_id: str, keys: list[str], ticket: int, token: str) -> None:
        try:
            released = int(self._release(keys=keys, args=[ticket, token, self._idle_ms]))
        except self._redis.RedisError as ex:
            # The lifetime frees the conversation; say so rather than mask the
            # caller's own outcome.
            logger.error(
                "could not release the lock of '%s' (it expires within %.0f s): %s",
                conversation_id, self.lifetime_ms / 1000, ex,
            )
            return
        if not released:
            logger.warning(
                "the lock of conversation '%s' expired after its %.0f s lifetime while it was "
                "held; another engine process may have worked on it at the same time "
                "(raise lock_lifetime if turns take this long)",
                conversation_id, self.lifetime_ms / 1000,
            )

    def scope(self) -> str:
        """The Redis server, database and key prefix the locks live under."""
        return f"redis:{describe(self.client)}:{self.key_prefix}"

    def close(self) -> None:
        """Close the connection pool."""
        self.client.close()
