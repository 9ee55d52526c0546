"""Engine processes announce themselves in the shared tracker store.

Several engine processes may share a SQL or Redis tracker store only when
they also share a lock store; with the in-memory lock store each would lock
conversations for itself alone, and two processes could work on one
conversation at once. So every engine on a shared store keeps a heartbeat
record there (a Redis key with a TTL, or a row of ``parley_engines``), and a
starting engine refuses to run when it finds another live engine whose
locks it would not see.

An engine counts as live when its record is fresh *and* its heartbeat
advances while the newcomer watches, so the stale record of a process
killed a moment ago (restart after ``kill -9``) never blocks its successor.
"""
from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
import time
from abc import ABC, abstractmethod
from dataclasses import asdict, dataclass
from typing import Any, Callable

import orjson

from engine.errors import Conflict, EngineError

logger = logging.getLogger(__name__)

IN_MEMORY = "in_memory"
TABLE = "parley_engines"


class StartRefused(Conflict):
    """This engine must not start next to the engines already running."""


@dataclass(frozen=True)
class EngineRecord:
    """What one engine process says about itself.

    Attributes:
        instance: Random id of the process's run.
        host: Host name.
        pid: Process id.
        lock_kind: The lock store's type (``in_memory``, ``redis`` ...).
        lock_scope: What the locks are shared with (see ``LockStore.scope``).
        beat: Heartbeat counter; advances while the process lives.
    """

    instance: str
    host: str
    pid: int
    lock_kind: str
    lock_scope: str
    beat: int = 0

    def where(self) -> str:
        """Name the process for messages."""
        return f"{self.host} pid {self.pid}"


def conflict(me: EngineRecord, other: EngineRecord) -> str | None:
    """Explain why ``me`` must not run next to ``other``, or return None."""
    if me.lock_kind == IN_MEMORY or other.lock_kind == IN_MEMORY:
        who = "this engine" if me.lock_kind == IN_MEMORY else f"the engine on {other.where()}"
        return (
            f"another engine process ({other.where()}) is already using this tracker store, and "
            f"{who} uses the in-memory lock store: two processes could then handle one "
            "conversation at the same time. Configure a shared lock store for every engine "
            "(lock_store: {type: redis, url: ...} in endpoints.yml, or set REDIS_URL), or run "
            "only one engine process."
        )
    if me.lock_scope != other.lock_scope:
        return (
            f"the engine on {other.where()} uses this tracker store with other locks "
            f"({other.lock_scope}) than this engine ({me.lock_scope}): every engine on one "
            "tracker store must use the same lock store (server, database and key_prefix)."
        )
    return None


class EngineDirectory(ABC):
    """Heartbeat records of the engines on one shared tracker store."""

    ttl: float

    @abstractmethod
    def put(self, record: EngineRecord) -> None:
        """Create or refresh ``record`` for ``ttl`` seconds."""

    @abstractmethod
    def others(self, instance: str) -> list[EngineRecord]:
        """Return the fresh records of every other instance."""

    @abstractmethod
    def remove(self, instance: str) -> None:
        """Delete the record of ``instance``."""


class RedisEngineDirectory(EngineDirectory):
    """Records as Redis keys ``<prefix>parley_engine:<instance>`` with a TTL.

    Args:
        client: A redis-py client.
        prefix: Key prefix shared by the tracker store's keys.
        ttl: Seconds a record lives without a heartbeat.
    """

    def __init__(self, client: Any, prefix: str, ttl: float) -> None:
        self.client = client
        self.prefix = f"{prefix}parley_engine:"
        self.ttl = ttl

    def put(self, record: EngineRecord) -> None:
        """SET the record with a TTL."""
        self.client.set(self.prefix + record.instance, orjson.dumps(asdict(record)), px=int(self.ttl * 1000))

    def others(self, instance: str) -> list[EngineRecord]:
        """SCAN for records; expired ones are gone by themselves."""
        from engine.stores.redis_client import escape_glob

        keys = [k for k in self.client.scan_iter(match=escape_glob(self.prefix) + "*", count=500)
                if k.decode("utf-8", "replace") != self.prefix + instance]
        records = []
        for raw in self.client.mget(keys) if keys else []:
            if raw is not None:
                records.append(EngineRecord(**orjson.loads(raw)))
        return records

    def remove(self, instance: str) -> None:
        """DEL the record."""
        self.client.delete(self.prefix + instance)


class SQLEngineDirectory(EngineDirectory):
    """Records as rows of ``parley_engines`` next to the events table.

    Args:
        engine: A SQLAlchemy engine.
        scope: The tracker store's table (engines of other tables do not meet).
        ttl: Seconds a row counts as fresh after its last heartbeat.
        clock: Wall clock (rows from several hosts compare times).
    """

    def __init__(self, engine: Any, scope: str, ttl: float, clock: Callable[[], float] = time.time) -> None:
        import sqlalchemy as sa

        self._sa = sa
        self.engine = engine
        self.scope = scope
        self.ttl = ttl
        self.clock = clock
        self.table = sa.Table(
            TABLE,
            sa.MetaData(),
            sa.Column("instance", sa.String(64), primary_key=True),
            sa.Column("tracker_table", sa.String(255), nullable=False, index=True),
            sa.Column("record", sa.Text, nullable=False),
            sa.Column("expires_at", sa.Float, nullable=False),
        )
        for attempt in (1, 2):
            try:
                self.table.create(engine, checkfirst=True)
                break
            except sa.exc.SQLAlchemyError:
                if attempt == 2:  # another engine may have created it at the same moment
                    raise

    def put(self, record: EngineRecord) -> None:
        """Update the row, or insert it when there is none."""
        t = self.table
        values = {"record": orjson.dumps(asdict(record)).decode(), "expires_at": self.clock() + self.ttl}
        with self.engine.begin() as conn:
            updated = conn.execute(t.update().where(t.c.instance == record.instance).values(**values))
            if updated.rowcount == 0:
                conn.execute(t.insert().values(instance=record.instance, tracker_table=self.scope, **values))
            # Rows of processes long gone need no one to clean them up by hand.
            conn.execute(t.delete().where(t.c.expires_at < self.clock() - 10 * self.ttl))

    def others(self, instance: str) -> list[EngineRecord]:
        """SELECT the fresh rows of the same tracker table."""
        t = self.table
        query = (
            self._sa.select(t.c.record)
            .where(t.c.tracker_table == self.scope)
            .where(t.c.instance != instance)
            .where(t.c.expires_at > self.clock())
        )
        with self.engine.connect() as conn:
            return [EngineRecord(**orjson.loads(raw)) for raw in conn.execute(query).scalars()]

    def remove(self, instance: str) -> None:
        """DELETE the row."""
        with self.engine.begin() as conn:
            conn.execute(self.table.delete().where(self.table.c.instance == instance))


def directory_for(tracker_store: Any, ttl: float) -> EngineDirectory | None:
    """Return the directory living in ``tracker_store``, or None for a store no one shares."""
    from engine.stores.tracker.redis import RedisTrackerStore
    from engine.stores.tracker.sql import SQLTrackerStore

    if isinstance(tracker_store, RedisTrackerStore):
        return RedisEngineDirectory(tracker_store.client, tracker_store.key_namespace, ttl)
    if isinstance(tracker_store, SQLTrackerStore):
        database = tracker_store.url.database or ""
        if tracker_store.url.get_backend_name() == "sqlite" and database in ("", ":memory:"):
            return None  # private to this process
        return SQLEngineDirectory(tracker_store.engine, tracker_store.table.name, ttl)
    return None


class EngineMembership:
    """This engine's record in the shared store, kept fresh by a thread.

    Args:
        directory: Where the records live.
        lock_store: This engine's lock store (its type and scope are published).
        interval: Seconds between heartbeats; records live three intervals.
    """

    def __init__(self, directory: EngineDirectory, lock_store: Any, interval: float) -> None:
        self.directory = directory
        self.interval = interval
        self.record = EngineRecord(
            instance=secrets.token_hex(8),
            host=socket.gethostname(),
            pid=os.getpid(),
            lock_kind=getattr(lock_store, "name", "custom"),
            lock_scope=lock_store.scope(),
        )
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def join(self) -> None:
        """Publish this engine, refusing to start next to an incompatible live one.

        Raises:
            StartRefused: A live engine's locks would not exclude ours.
            Unavailable: The store does not answer.
        """
        self._put()
        suspects = self._conflicting()
        if suspects:
            # Stale records of killed processes look fresh for up to a TTL:
            # only an engine whose heartbeat moves while we watch is alive.
            time.sleep(self.interval * 1.5)
            alive = [
                record for instance, record in self._conflicting().items()
                if instance not in suspects or suspects[instance].beat != record.beat
            ]
            if alive:
                self.leave()
                raise StartRefused(conflict(self.record, alive[0]) or "incompatible engine running")
            for instance in suspects:
                logger.info("ignoring the stale record of engine %s (no heartbeat)", instance)
        self._thread = threading.Thread(target=self._run, name="engine-heartbeat", daemon=True)
        self._thread.start()

    def _conflicting(self) -> dict[str, EngineRecord]:
        found = {}
        for other in self._call(self.directory.others, self.record.instance):
            if conflict(self.record, other) is not None:
                found[other.instance] = other
        return found

    def _put(self) -> None:
        self.record = EngineRecord(**{**asdict(self.record), "beat": self.record.beat + 1})
        self._call(self.directory.put, self.record)

    def _call(self, method: Callable[..., Any], *args: Any) -> Any:
        from engine.errors import Unavailable

        try:
            return method(*args)
        except EngineError:
            raise
        except Exception as ex:  # the backend's own error types
            raise Unavailable(f"the tracker store does not answer: {ex.__class__.__name__}: {ex}") from ex

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self._put()
            except Exception as ex:  # keep beating once the store is back
                logger.warning("engine heartbeat failed: %s", ex)

    def leave(self) -> None:
        """Stop the heartbeat and delete this engine's record."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.interval + 1)
        try:
            self.directory.remove(self.record.instance)
        except Exception as ex:  # it expires by itself
            logger.warning("could not remove this engine's record: %s", ex)


def join_shared_store(tracker_store: Any, lock_store: Any, interval: float) -> EngineMembership | None:
    """Publish this engine in ``tracker_store`` when others can share it.

    Returns:
        The membership (call ``leave()`` on shutdown), or None when the
        tracker store is private to this process.

    Raises:
        StartRefused: Another live engine uses the store with other locks.
    """
    directory = directory_for(tracker_store, ttl=3 * interval)
    if directory is None:
        return None
    membership = EngineMembership(directory, lock_store, interval)
    membership.join()
    return membership
