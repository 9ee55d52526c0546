"""SQL tracker store: one row per event in Rasa's ``events`` table layout.

Rows are only ever inserted (one transaction per turn), so a turn costs one
small write however long the conversation is. The current session is read
from the last ``action_session_start`` row on, found through an index.
"""
from __future__ import annotations

import logging
from typing import Any

import orjson

from engine.errors import BadRequest
from engine.stores.sql_engine import (
    build_url,
    create_engine,
    import_sqlalchemy,
    safe_url,
    table_name,
    unavailable,
)
from engine.stores.tracker.base import SESSION_START, TrackerStore, last_session

logger = logging.getLogger(__name__)

_MAX_NAME = 255


class SQLTrackerStore(TrackerStore):
    """Keeps events in a SQL table (SQLite file by default, PostgreSQL, ...).

    Args:
        dialect: SQLAlchemy dialect (``sqlite``, ``postgresql`` ...).
        host: Database host, or a complete SQLAlchemy URL (``url`` is an alias).
        port: Database port.
        db: Database name (file name for SQLite; default ``rasa.db``).
        username: Login user.
        password: Login password.
        login_db: Database to connect to first to create ``db`` if missing.
        query: Extra URL query parameters (e.g. ``sslmode``).
        table_name: Table to use (default ``events``, as Rasa).
    """

    name = "sql"

    def __init__(
        self,
        dialect: str = "sqlite",
        host: str | None = None,
        port: int | str | None = None,
        db: str | None = None,
        username: str | None = None,
        password: str | None = None,
        login_db: str | None = None,
        query: dict[str, Any] | None = None,
        table_name: str = "events",
        url: str | None = None,
        **_ignored: Any,
    ) -> None:
        config = {
            "dialect": dialect, "host": host or url, "port": port, "db": db,
            "username": username, "password": password, "query": query,
            "table_name": table_name,
        }
        self._setup(config, login_db)

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> SQLTrackerStore:
        """Create the store from an endpoints.yml ``tracker_store`` section."""
        return cls(**{k: v for k, v in config.items() if k not in ("type", "store_type")})

    def _setup(self, config: dict[str, Any], login_db: str | None) -> None:
        sa = import_sqlalchemy()
        self._sa = sa
        self.url = build_url(config, default_db="rasa.db")
        self.engine = create_engine(self.url, login_db=login_db)
        name = table_name(config)
        metadata = sa.MetaData()
        self.table = sa.Table(
            name,
            metadata,
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("sender_id", sa.String(_MAX_NAME), nullable=False),
            sa.Column("type_name", sa.String(_MAX_NAME), nullable=False),
            sa.Column("timestamp", sa.Float),
            sa.Column("intent_name", sa.String(_MAX_NAME)),
            sa.Column("action_name", sa.String(_MAX_NAME)),
            sa.Column("data", sa.Text),
        )
        # (sender_id, id) serves "this conversation in order"; the second index
        # finds the last session start without touching the event data.
        self._indexes = [
            sa.Index(f"ix_{name}_sender_id_id", self.table.c.sender_id, self.table.c.id),
            sa.Index(
                f"ix_{name}_session_start",
                self.table.c.sender_id,
                self.table.c.action_name,
                self.table.c.id,
            ),
        ]
        self._create_schema()
        logger.info("SQL tracker store on %s, table %s", safe_url(self.url), name)

    def _create_schema(self) -> None:
        sa = self._sa
        for attempt in (1, 2):
            try:
                self.table.create(self.engine, checkfirst=True)
                for index in self._indexes:
                    index.create(self.engine, checkfirst=True)
                return
            except sa.exc.SQLAlchemyError as ex:
                # Another engine process may have created it at the same moment.
                if attempt == 2:
                    raise unavailable(f"create the table {self.table.name}", self.url, ex) from ex

    # -- writes ------------------------------------------------------------

    def append(self, conversation_id: str, events: list[dict[str, Any]]) -> None:
        """Insert the events as new rows in one transaction."""
        if not events:
            return
        rows = [self._row(conversation_id, event) for event in events]
        try:
            with self.engine.begin() as conn:
                conn.execute(self.table.insert(), rows)
        except self._sa.exc.SQLAlchemyError as ex:
            raise unavailable("store events", self.url, ex) from ex

    def replace(self, conversation_id: str, events: list[dict[str, Any]]) -> None:
        """Delete the conversation's rows and insert ``events``, in one transaction."""
        rows = [self._row(conversation_id, event) for event in events]
        try:
            with self.engine.begin() as conn:
                conn.execute(self.table.delete().where(self.table.c.sender_id == conversation_id))
                if rows:
                    conn.execute(self.table.insert(), rows)
        except self._sa.exc.SQLAlchemyError as ex:
            raise unavailable("replace events", self.url, ex) from ex

    def _row(self, conversation_id: str, event: dict[str, Any]) -> dict[str, Any]:
        if len(conversation_id) > _MAX_NAME:
            raise BadRequest(
                f"conversation id is longer than {_MAX_NAME} characters; the SQL tracker store "
                "cannot keep it"
            )
        try:
            data = orjson.dumps(event).decode("utf-8")
        except TypeError as ex:
            raise BadRequest(f"event cannot be stored as JSON: {ex}") from ex
        kind = str(event.get("event") or "")
        intent = None
        action = None
        if kind == "user":
            intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
        elif kind == "action":
            action = event.get("name")
        timestamp = event.get("timestamp")
        return {
            "sender_id": conversation_id,
            "type_name": kind[:_MAX_NAME],
            "timestamp": float(timestamp) if isinstance(timestamp, (int, float)) else None,
            "intent_name": intent[:_MAX_NAME] if isinstance(intent, str) else None,
            "action_name": action[:_MAX_NAME] if isinstance(action, str) else None,
            "data": data,
        }

    # -- reads -------------------------------------------------------------

    def retrieve(
        self, conversation_id: str, *, all_sessions: bool = False
    ) -> list[dict[str, Any]] | None:
        """Return the conversation's events in insertion order (None if unknown)."""
        sa = self._sa
        t = self.table
        query = sa.select(t.c.data).where(t.c.sender_id == conversation_id)
        if not all_sessions:
            session_start = (
                sa.select(sa.func.max(t.c.id))
                .where(t.c.sender_id == conversation_id)
                .where(t.c.action_name == SESSION_START)
                .where(t.c.type_name == "action")
                .scalar_subquery()
            )
            query = query.where(t.c.id >= sa.func.coalesce(session_start, 0))
        query = query.order_by(t.c.id)
        try:
            with self.engine.connect() as conn:
                rows = conn.execute(query).scalars().all()
        except sa.exc.SQLAlchemyError as ex:
            raise unavailable("read events", self.url, ex) from ex
        if not rows:
            return None
        events = [orjson.loads(data) for data in rows]
        return events if all_sessions else last_session(events)

    def exists(self, conversation_id: str) -> bool:
        """Return whether any row belongs to the conversation."""
        sa = self._sa
        query = sa.select(self.table.c.id).where(self.table.c.sender_id == conversation_id).limit(1)
        try:
            with self.engine.connect() as conn:
                return conn.execute(query).first() is not None
        except sa.exc.SQLAlchemyError as ex:
            raise unavailable("read events", self.url, ex) from ex

    def keys(self) -> list[str]:
        """Return every conversation id that has rows."""
        sa = self._sa
        try:
            with self.engine.connect() as conn:
                return list(conn.execute(sa.select(self.table.c.sender_id).distinct()).scalars())
        except sa.exc.SQLAlchemyError as ex:
            raise unavailable("list conversations", self.url, ex) from ex

    def close(self) -> None:
        """Close the connection pool."""
        self.engine.dispose()
