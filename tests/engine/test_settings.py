"""Engine settings: flags > environment > endpoints.yml, store URLs from the environment."""
from __future__ import annotations

from pathlib import Path

import pytest

from engine.errors import DataError
from engine.settings import EngineSettings


def write_endpoints(tmp_path: Path, text: str) -> str:
    path = tmp_path / "endpoints.yml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_defaults_need_no_file_and_no_variable() -> None:
    settings = EngineSettings.from_sources(environ={})
    assert settings.address == "127.0.0.1:50051"
    assert settings.endpoints == {}
    assert settings.metrics_address is None


def test_flags_win_over_the_environment() -> None:
    env = {"ENGINE_ADDRESS": "127.0.0.1:7000", "PARLEY_MODEL": "env-models"}
    settings = EngineSettings.from_sources(address="127.0.0.1:8000", model="flag-models", environ=env)
    assert settings.address == "127.0.0.1:8000"
    assert settings.model == Path("flag-models")
    assert EngineSettings.from_sources(environ=env).address == "127.0.0.1:7000"


def test_endpoints_interpolate_environment_variables(tmp_path: Path) -> None:
    path = write_endpoints(tmp_path, "event_broker:\n  type: file\n  path: ${LOG_DIR}/events.log\n"
                                     "tracker_store:\n  type: sql\n  db: ${DB_NAME:-rasa.db}\n")
    settings = EngineSettings.from_sources(endpoints_path=path, environ={"LOG_DIR": "/var/log"})
    assert settings.endpoints["event_broker"]["path"] == "/var/log/events.log"
    assert settings.endpoints["tracker_store"]["db"] == "rasa.db"


def test_redis_url_gives_redis_locks_and_a_redis_tracker_store() -> None:
    settings = EngineSettings.from_sources(environ={"REDIS_URL": "redis://cache:6379/1"})
    assert settings.endpoints["lock_store"] == {"type": "redis", "url": "redis://cache:6379/1"}
    assert settings.endpoints["tracker_store"] == {"type": "redis", "url": "redis://cache:6379/1"}


def test_database_url_gives_a_sql_tracker_store_and_redis_keeps_the_locks() -> None:
    env = {"REDIS_URL": "redis://cache:6379/1", "DATABASE_URL": "postgres://u:p@db:5432/bot"}
    settings = EngineSettings.from_sources(environ=env)
    assert settings.endpoints["tracker_store"] == {"type": "sql", "url": "postgres://u:p@db:5432/bot"}
    assert settings.endpoints["lock_store"]["type"] == "redis"


def test_environment_urls_override_endpoints_yml_but_keep_same_type_options(tmp_path: Path) -> None:
    path = write_endpoints(tmp_path, (
        "tracker_store:\n  type: redis\n  url: localhost\n  port: 6380\n  key_prefix: bot\n  record_exp: 60\n"
        "lock_store:\n  type: redis\n  url: localhost\n  lock_lifetime: 5\n"
    ))
    settings = EngineSettings.from_sources(endpoints_path=path, environ={"REDIS_URL": "redis://r:1/0"})
    assert settings.endpoints["tracker_store"] == {
        "type": "redis", "url": "redis://r:1/0", "key_prefix": "bot", "record_exp": 60,
    }
    assert settings.endpoints["lock_store"] == {"type": "redis", "url": "redis://r:1/0", "lock_lifetime": 5}


def test_a_sql_tracker_store_in_endpoints_yml_is_kept_when_only_redis_url_is_set(tmp_path: Path) -> None:
    path = write_endpoints(tmp_path, "tracker_store:\n  type: SQL\n  dialect: postgresql\n  host: db\n")
    settings = EngineSettings.from_sources(endpoints_path=path, environ={"REDIS_URL": "redis://r:1/0"})
    assert settings.endpoints["tracker_store"]["host"] == "db"
    assert settings.endpoints["lock_store"]["type"] == "redis"


def test_flag_urls_win_over_environment_urls() -> None:
    settings = EngineSettings.from_sources(
        environ={"DATABASE_URL": "sqlite:///env.db"}, database_url="sqlite:///flag.db"
    )
    assert settings.endpoints["tracker_store"]["url"] == "sqlite:///flag.db"


def test_an_other_store_type_in_endpoints_yml_is_replaced_whole(tmp_path: Path) -> None:
    path = write_endpoints(tmp_path, "tracker_store:\n  type: sql\n  db: x.db\n  table_name: ev\n")
    settings = EngineSettings.from_sources(endpoints_path=path, environ={"DATABASE_URL": "sqlite:///y.db"})
    assert settings.endpoints["tracker_store"] == {"type": "sql", "url": "sqlite:///y.db", "table_name": "ev"}


def test_metrics_port_and_bind() -> None:
    assert EngineSettings.from_sources(environ={"PARLEY_METRICS_PORT": "9100"}).metrics_address == ("127.0.0.1", 9100)
    bound = EngineSettings.from_sources(environ={"PARLEY_METRICS_BIND": "127.0.0.1:9200"})
    assert bound.metrics_address == ("127.0.0.1", 9200)
    assert EngineSettings.from_sources(environ={}, metrics_port=9300).metrics_address == ("127.0.0.1", 9300)


@pytest.mark.parametrize(
    ("name", "value"),
    [("PARLEY_METRICS_PORT", "http"), ("PARLEY_METRICS_PORT", "70000"), ("PARLEY_LOCK_WAIT", "-1"),
     ("PARLEY_ENGINE_REUSEPORT", "maybe"), ("PARLEY_METRICS_BIND", "9100")],
)
def test_bad_variables_are_clear_errors(name: str, value: str) -> None:
    with pytest.raises(DataError, match=name):
        EngineSettings.from_sources(environ={name: value})


def test_reuse_port_and_timings_from_the_environment() -> None:
    env = {"PARLEY_ENGINE_REUSEPORT": "true", "PARLEY_LOCK_WAIT": "5", "PARLEY_GRACEFUL_TIMEOUT": "3",
           "PARLEY_HEARTBEAT_INTERVAL": "0.5"}
    settings = EngineSettings.from_sources(environ=env)
    assert settings.reuse_port and settings.lock_wait == 5 and settings.grace == 3 and settings.heartbeat == 0.5
