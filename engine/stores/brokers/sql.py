"""SQL event broker: one row per event in Rasa's broker table layout."""
from __future__ import annotations

import logging
from typing import Any

import orjson

from engine.errors import BadRequest
from engine.stores.brokers.base import EventBroker
from engine.stores.sql_engine import (
    build_url,
    create_engine,
    import_sqlalchemy,
    safe_url,
    unavailable,
)
from engine.stores.sql_engine import table_name as checked_table_name

logger = logging.getLogger(__name__)


class SQLEventBroker(EventBroker):
    """Inserts each event into an ``events(id, sender_id, data)`` table.

    Args:
        dialect: SQLAlchemy dialect (default ``sqlite``).
        host: Database host, or a complete SQLAlchemy URL (``url`` is an alias).
        port: Database port.
        db: Database name (file name for SQLite; default ``events.db``, as Rasa).
        username: Login user.
        password: Login password.
        query: Extra URL query parameters.
        table_name: Table to use (default ``events``).
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
        query: dict[str, Any] | None = None,
        table_name: str = "events",
        url: str | None = None,
        **_ignored: Any,
    ) -> None:
        sa = import_sqlalchemy()
        self._sa = sa
        config = {
            "dialect": dialect, "host": host or url, "port": port, "db": db,
            "username": username, "password": password, "query": query,
            "table_name": table_name,
        }
        self.url = build_url(config, default_db="events.db")
        self.engine = create_engine(self.url)
        self.table = sa.Table(
            checked_table_name(config),
            sa.MetaData(),
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("sender_id", sa.String(255), index=True),
            sa.Column("data", sa.Text),
        )
        for attempt in (1, 2):
            try:
                self.table.metadata.create_all(self.engine, checkfirst=True)
                break
            except sa.exc.SQLAlchemyError as ex:
                # Another process may have created it at the same moment.
                if attempt == 2:
                    raise unavailable(f"create the table {self.table.name}", self.url, ex) from ex
        logger.info("SQL event broker on %s, table %s", safe_url(self.url), self.table.name)

    def publish(self, event: dict[str, Any]) -> None:
        """Insert the event as one row."""
        try:
            data = orjson.dumps(event).decode("utf-8")
        except TypeError as ex:
            raise BadRequest(f"event cannot be published as JSON: {ex}") from ex
        sender = event.get("sender_id")
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    self.table.insert(),
                    {"sender_id": None if sender is None else str(sender), "data": data},
                )
        except self._sa.exc.SQLAlchemyError as ex:
            raise unavailable("publish an event", self.url, ex) from ex

    def close(self) -> None:
        """Close the connection pool."""
        self.engine.dispose()

