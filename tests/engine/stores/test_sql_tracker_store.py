"""SQL tracker store specifics: Rasa's table layout, URLs, database creation, errors."""
from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from engine.errors import DataError, Unavailable
from tests.conftest import free_port
from tests.contracts.conftest import need_module

need_module("sqlalchemy")

import sqlalchemy as sa  # noqa: E402 - after the loud skip above

from engine.stores.sql_engine import build_url  # noqa: E402
from engine.stores.tracker.sql import SQLTrackerStore  # noqa: E402

SESSION = [
    {"event": "action", "name": "action_session_start", "timestamp": 1.0},
    {"event": "session_started", "timestamp": 1.0},
    {"event": "action", "name": "action_listen", "timestamp": 1.0},
]
USER = {"event": "user", "text": "hi", "timestamp": 2.0, "parse_data": {"intent": {"name": "greet", "confidence": 1.0}}}


def test_rows_follow_rasas_events_table(tmp_path: Path) -> None:
    store = SQLTrackerStore(db=str(tmp_path / "rasa.db"))
    store.append("c", SESSION + [USER])
    store.close()
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'rasa.db'}")
    with engine.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT sender_id, type_name, timestamp, intent_name, action_name, data FROM events ORDER BY id"
        )).all()
    engine.dispose()
    assert [tuple(r[:5]) for r in rows] == [
        ("c", "action", 1.0, None, "action_session_start"),
        ("c", "session_started", 1.0, None, None),
        ("c", "action", 1.0, None, "action_listen"),
        ("c", "user", 2.0, "greet", None),
    ]
    assert [orjson.loads(r[5]) for r in rows] == SESSION + [USER]


def test_reads_a_table_rasa_wrote_and_adds_its_indexes(tmp_path: Path) -> None:
    db = tmp_path / "rasa.db"
    engine = sa.create_engine(f"sqlite:///{db}")
    with engine.begin() as conn:
        conn.execute(sa.text(
            "CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id VARCHAR(255) NOT NULL, "
            "type_name VARCHAR(255) NOT NULL, timestamp FLOAT, intent_name VARCHAR(255), "
            "action_name VARCHAR(255), data TEXT)"
        ))
        for event in [USER] + SESSION:
            conn.execute(
                sa.text("INSERT INTO events (sender_id, type_name, action_name, data) VALUES ('old', :t, :a, :d)"),
                {"t": event["event"], "a": event.get("name"), "d": orjson.dumps(event).decode()},
            )
    store = SQLTrackerStore(db=str(db))
    assert store.retrieve("old") == SESSION
    assert store.retrieve("old", all_sessions=True) == [USER] + SESSION
    store.close()
    indexes = {ix["name"] for ix in sa.inspect(engine).get_indexes("events")}
    engine.dispose()
    assert {"ix_events_sender_id_id", "ix_events_session_start"} <= indexes


def test_current_session_is_found_through_an_index(tmp_path: Path) -> None:
    store = SQLTrackerStore(db=str(tmp_path / "rasa.db"))
    store.append("c", SESSION)
    with store.engine.connect() as conn:
        plan = conn.execute(sa.text(
            "EXPLAIN QUERY PLAN SELECT max(id) FROM events WHERE sender_id = 'c' "
            "AND action_name = 'action_session_start' AND type_name = 'action'"
        )).all()
    store.close()
    assert "ix_events_session_start" in " ".join(str(row) for row in plan)


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({}, "sqlite:///rasa.db"),
        ({"dialect": "sqlite", "db": "/tmp/x.db"}, "sqlite:////tmp/x.db"),
        (
            {"dialect": "postgresql", "url": "db.example", "port": "5433", "db": "bot",
             "username": "u", "password": "p@ss", "query": {"sslmode": "require"}},
            "postgresql://u:p%40ss@db.example:5433/bot?sslmode=require",
        ),
        ({"url": "postgres://u:p@h:1/d"}, "postgresql://u:p@h:1/d"),
        ({"host": "postgresql+pg8000://h/d"}, "postgresql+pg8000://h/d"),
    ],
)
def test_urls_from_rasa_options(options: dict, expected: str) -> None:
    rendered = build_url(options, default_db="rasa.db").render_as_string(hide_password=False)
    # A bare postgresql URL gets whichever driver is installed.
    assert rendered.replace("+psycopg2", "").replace("+psycopg", "") == expected


def test_bad_options_are_data_errors(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="table name"):
        SQLTrackerStore(db=str(tmp_path / "a.db"), table_name="events; DROP TABLE x")
    with pytest.raises(DataError, match="port"):
        SQLTrackerStore(dialect="postgresql", host="h", port="abc")
    with pytest.raises(DataError, match="nosuchdialect"):
        SQLTrackerStore(dialect="nosuchdialect", host="h")


def test_unreachable_database_is_unavailable_without_leaking_the_password() -> None:
    need_module("psycopg2")
    port = free_port()
    with pytest.raises(Unavailable) as caught:
        SQLTrackerStore(dialect="postgresql", host="127.0.0.1", port=port, db="x",
                        username="u", password="sekret")
    assert f"127.0.0.1:{port}" in caught.value.message
    assert "sekret" not in caught.value.message


def test_login_db_creates_the_missing_database(postgres_url: str, run_id: str) -> None:
    need_module("psycopg2")
    url = sa.engine.make_url(postgres_url)
    name = f"parley_test_{run_id}"
    store = SQLTrackerStore(
        dialect="postgresql", host=url.host, port=url.port, username=url.username,
        password=url.password, db=name, login_db=url.database,
    )
    try:
        store.append("c", [USER])
        assert store.retrieve("c") == [USER]
    finally:
        store.close()
        admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()
