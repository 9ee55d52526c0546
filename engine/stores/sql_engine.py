"""SQLAlchemy engines from Rasa-style endpoint options (tracker store and SQL broker).

Only the modules that talk SQL import this one, so SQLAlchemy stays an
optional dependency (setup.cfg extra ``sql``).
"""
from __future__ import annotations

import logging
import re
from typing import Any

from engine.errors import DataError, Unavailable

logger = logging.getLogger(__name__)

_VALID_TABLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")


def import_sqlalchemy() -> Any:
    """Import SQLAlchemy, or explain which extra to install."""
    try:
        import sqlalchemy
    except ImportError as ex:  # pragma: no cover - depends on the installation
        raise DataError(
            "the SQL tracker store / event broker needs SQLAlchemy: pip install 'parley[sql]'"
        ) from ex
    return sqlalchemy


def table_name(config: dict[str, Any], default: str = "events") -> str:
    """Return the configured table name, refusing anything that is not an identifier."""
    name = str(config.get("table_name") or default)
    if not _VALID_TABLE.match(name):
        raise DataError(f"invalid SQL table name '{name}': use letters, digits and underscores")
    return name


def build_url(config: dict[str, Any], *, default_db: str) -> Any:
    """Build a SQLAlchemy URL from Rasa's options.

    Args:
        config: ``dialect`` (default sqlite), ``url``/``host``, ``port``, ``db``,
            ``username``, ``password``, ``query``. A ``url`` containing ``://``
            is taken as a complete SQLAlchemy URL (e.g. ``DATABASE_URL``).
        default_db: Database (file) name when ``db`` is absent.

    Returns:
        A ``sqlalchemy.engine.URL``.
    """
    sa = import_sqlalchemy()
    raw = config.get("url") or config.get("host")
    if isinstance(raw, str) and "://" in raw:
        # Heroku-style DATABASE_URL says postgres://, which SQLAlchemy 2 rejects.
        if raw.startswith("postgres://"):
            raw = "postgresql://" + raw[len("postgres://"):]
        try:
            return with_default_driver(sa.engine.make_url(raw))
        except Exception as ex:
            raise DataError(f"invalid database URL: {ex}") from ex
    dialect = str(config.get("dialect") or "sqlite")
    database = config.get("db") or default_db
    query = config.get("query") or {}
    if not isinstance(query, dict):
        raise DataError("the SQL option 'query' must be a mapping of URL query parameters")
    if dialect.startswith("sqlite"):
        return sa.engine.URL.create(dialect, database=str(database), query=query)
    if dialect in ("postgres", "postgresql"):
        dialect = "postgresql"
    port = config.get("port")
    try:
        port = int(port) if port not in (None, "") else None
    except (TypeError, ValueError) as ex:
        raise DataError(f"the SQL option 'port' must be a number, not '{port}'") from ex
    return with_default_driver(sa.engine.URL.create(
        dialect,
        username=config.get("username"),
        password=None if config.get("password") is None else str(config.get("password")),
        host=raw or None,
        port=port,
        database=str(database),
        query={str(k): str(v) for k, v in query.items()},
    ))


def with_default_driver(url: Any) -> Any:
    """Pick an installed PostgreSQL driver when the URL names none.

    SQLAlchemy 2.1 defaults ``postgresql://`` to psycopg 3, while Rasa's
    setups (and our ``sql`` extra) install psycopg2.
    """
    import importlib.util

    if url.drivername == "postgresql" and importlib.util.find_spec("psycopg") is None:
        if importlib.util.find_spec("psycopg2") is not None:
            return url.set(drivername="postgresql+psycopg2")
    return url


def create_engine(url: Any, *, login_db: str | None = None) -> Any:
    """Create an engine for ``url``; with ``login_db`` create the database first.

    SQLite files get a generous busy timeout and WAL journaling so that
    threads of one process can read while another writes.
    """
    sa = import_sqlalchemy()
    if login_db and url.get_backend_name() == "postgresql":
        ensure_database(url, login_db)
    kwargs: dict[str, Any] = {"pool_pre_ping": True}
    if url.get_backend_name() == "sqlite":
        database = url.database or ""
        if database in ("", ":memory:"):
            kwargs = {"poolclass": sa.pool.StaticPool}
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
    try:
        engine = sa.create_engine(url, **kwargs)
    except Exception as ex:  # missing DBAPI driver, bad dialect name ...
        raise DataError(f"cannot use database URL '{safe_url(url)}': {ex}") from ex
    if url.get_backend_name() == "sqlite" and (url.database or ":memory:") != ":memory:":
        sa.event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
    finally:
        cursor.close()


def ensure_database(url: Any, login_db: str) -> None:
    """Connect to ``login_db`` and create ``url``'s database if it is missing (PostgreSQL)."""
    sa = import_sqlalchemy()
    login = sa.create_engine(url.set(database=login_db), isolation_level="AUTOCOMMIT")
    try:
        with login.connect() as conn:
            found = conn.execute(
                sa.text("SELECT 1 FROM pg_catalog.pg_database WHERE datname = :name"),
                {"name": url.database},
            ).first()
            if found is None:
                quoted = login.dialect.identifier_preparer.quote(url.database)
                conn.execute(sa.text(f"CREATE DATABASE {quoted}"))
                logger.info("created database %s", url.database)
    except sa.exc.SQLAlchemyError as ex:
        raise unavailable(f"create it via login_db '{login_db}'", url, ex) from ex
    finally:
        login.dispose()


def safe_url(url: Any) -> str:
    """Render ``url`` with its password hidden, for messages and logs."""
    try:
        return url.render_as_string(hide_password=True)
    except AttributeError:  # a plain string
        return str(url)


def unavailable(action: str, url: Any, ex: Exception) -> Unavailable:
    """Wrap a database error as :class:`Unavailable`, without leaking the password."""
    detail = getattr(ex, "orig", None) or ex
    first_line = str(detail).strip().splitlines()[0] if str(detail).strip() else type(ex).__name__
    return Unavailable(f"database {safe_url(url)}: cannot {action}: {first_line}")
