"""Engine settings, read once at the process edge (flags, env, endpoints.yml).

Precedence, highest first: command-line flags (the keyword arguments of
:meth:`EngineSettings.from_sources`), environment variables, endpoints.yml.
endpoints.yml values may use ``${VAR}`` / ``${VAR:-default}``.

Store URLs (twelve-factor platforms hand these out) override endpoints.yml:

- ``DATABASE_URL`` sets the tracker store to ``sql`` on that database.
- ``REDIS_URL`` sets the lock store to ``redis`` on that server, and the
  tracker store to ``redis`` too, unless ``DATABASE_URL`` is set or
  endpoints.yml chooses a ``sql`` tracker store.
- When endpoints.yml already configures a store of the same type, its other
  options (``key_prefix``, ``record_exp``, ``table_name``, ``lock_lifetime`` ...)
  are kept and only the connection options are replaced by the URL.
"""
from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from engine.errors import DataError
from outbound import OutboundPolicy

logger = logging.getLogger(__name__)

DEFAULT_ADDRESS = "127.0.0.1:50051"
# Metrics tell about conversations and load: loopback unless PARLEY_METRICS_BIND says otherwise.
DEFAULT_METRICS_HOST = "127.0.0.1"
_ENV_PATTERN = re.compile(r"\$\{([^}:]+)(?::-([^}]*))?\}")
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off", ""})

# Options that say where a store is; a URL replaces all of them.
_REDIS_CONNECTION = ("url", "host", "port", "db", "username", "password", "use_ssl")
_SQL_CONNECTION = ("url", "host", "port", "db", "username", "password", "dialect", "query")


@dataclass
class EngineSettings:
    """Everything the engine process needs to start.

    Attributes:
        address: gRPC bind address, ``host:port`` or ``unix:/path``.
        model: Model archive, or a directory whose newest archive is served.
        endpoints: Parsed endpoints.yml sections (empty when none), with the
            store URLs of flags and environment already applied.
        threads: Worker threads of the gRPC server.
        lock_wait: Seconds a turn waits for its conversation's lock.
        grace: Seconds in-flight calls get to finish on SIGTERM.
        metrics_address: ``(host, port)`` of the Prometheus endpoint, or None.
        reuse_port: Let several engine processes bind the same TCP port.
        heartbeat: Seconds between two heartbeats in a shared tracker store.
        outbound: Hosts the model server, action server and NLG URLs may
            name (``--outbound-allow`` / ``PARLEY_OUTBOUND_ALLOW``).
        secret: Shared secret every RPC must carry (``PARLEY_ENGINE_SECRET``).
        tls_cert: Server certificate (PEM file) to serve gRPC over TLS
            (``PARLEY_ENGINE_TLS_CERT``); needs ``tls_key``.
        tls_key: Its private key (``PARLEY_ENGINE_TLS_KEY``).
    """

    address: str = DEFAULT_ADDRESS
    model: Path = Path("models")
    endpoints: dict[str, Any] = field(default_factory=dict)
    threads: int = 8
    lock_wait: float = 60.0
    grace: float = 10.0
    metrics_address: tuple[str, int] | None = None
    reuse_port: bool = False
    heartbeat: float = 5.0
    outbound: OutboundPolicy = field(default_factory=OutboundPolicy)
    secret: str | None = None
    tls_cert: Path | None = None
    tls_key: Path | None = None

    @classmethod
    def from_sources(
        cls,
        *,
        address: str | None = None,
        model: str | None = None,
        endpoints_path: str | None = None,
        environ: Mapping[str, str] | None = None,
        redis_url: str | None = None,
        database_url: str | None = None,
        metrics_port: int | None = None,
        outbound_allow: list[str] | None = None,
    ) -> EngineSettings:
        """Build settings: explicit arguments (flags) win over the environment.

        Raises:
            DataError: endpoints.yml or a variable has an unusable value.
        """
        env = os.environ if environ is None else environ
        endpoints = apply_store_urls(
            read_endpoints(endpoints_path, env),
            redis_url=redis_url or _text(env, "REDIS_URL"),
            database_url=database_url or _text(env, "DATABASE_URL"),
        )
        return cls(
            address=address or _text(env, "ENGINE_ADDRESS") or DEFAULT_ADDRESS,
            model=Path(model or _text(env, "PARLEY_MODEL") or "models"),
            endpoints=endpoints,
            threads=max(1, int(_number(env, "PARLEY_ENGINE_THREADS", 8))),
            lock_wait=_number(env, "PARLEY_LOCK_WAIT", 60.0),
            grace=_number(env, "PARLEY_GRACEFUL_TIMEOUT", 10.0),
            metrics_address=metrics_address(env, metrics_port),
            reuse_port=_flag(env, "PARLEY_ENGINE_REUSEPORT"),
            heartbeat=_number(env, "PARLEY_HEARTBEAT_INTERVAL", 5.0),
            outbound=_outbound(env, outbound_allow),
            secret=_text(env, "PARLEY_ENGINE_SECRET"),
            **_tls_files(env),
        )


def _outbound(env: Mapping[str, str], flag: list[str] | None) -> OutboundPolicy:
    try:
        return OutboundPolicy.from_sources(env, flag)
    except ValueError as ex:
        raise DataError(str(ex)) from None


def _tls_files(env: Mapping[str, str]) -> dict[str, Path | None]:
    """Return the engine's TLS certificate and key; both or neither.

    Raises:
        DataError: Only one is set, or a file does not exist.
    """
    cert, key = _text(env, "PARLEY_ENGINE_TLS_CERT"), _text(env, "PARLEY_ENGINE_TLS_KEY")
    if bool(cert) != bool(key):
        raise DataError("PARLEY_ENGINE_TLS_CERT and PARLEY_ENGINE_TLS_KEY must be set together")
    for name, value in (("PARLEY_ENGINE_TLS_CERT", cert), ("PARLEY_ENGINE_TLS_KEY", key)):
        if value and not Path(value).is_file():
            raise DataError(f"{name}: no such file '{value}'")
    return {"tls_cert": Path(cert) if cert else None, "tls_key": Path(key) if key else None}


def apply_store_urls(
    endpoints: dict[str, Any], *, redis_url: str | None, database_url: str | None
) -> dict[str, Any]:
    """Return ``endpoints`` with the tracker/lock stores that the URLs choose.

    See the module docstring for the rules.
    """
    result = dict(endpoints)
    tracker = endpoints.get("tracker_store") if isinstance(endpoints.get("tracker_store"), dict) else None
    tracker_type = _type_of(tracker)
    if database_url:
        result["tracker_store"] = _with_url(tracker, "sql", database_url, _SQL_CONNECTION)
    elif redis_url and tracker_type != "sql":
        result["tracker_store"] = _with_url(tracker, "redis", redis_url, _REDIS_CONNECTION)
    if redis_url:
        lock = endpoints.get("lock_store") if isinstance(endpoints.get("lock_store"), dict) else None
        result["lock_store"] = _with_url(lock, "redis", redis_url, _REDIS_CONNECTION)
    return result


def _type_of(section: dict[str, Any] | None) -> str | None:
    from engine.stores.registry import store_type

    return store_type(section)


def _with_url(
    section: dict[str, Any] | None, kind: str, url: str, connection: tuple[str, ...]
) -> dict[str, Any]:
    kept: dict[str, Any] = {}
    if section and _type_of(section) == kind:
        kept = {k: v for k, v in section.items() if k not in connection and k not in ("type", "store_type")}
    return {"type": kind, "url": url, **kept}


def metrics_address(env: Mapping[str, str], port: int | None = None) -> tuple[str, int] | None:
    """Return where to serve engine metrics: flag port, ``PARLEY_METRICS_BIND`` or ``PARLEY_METRICS_PORT``.

    Raises:
        DataError: The address or port is not usable.
    """
    if port is not None:
        return DEFAULT_METRICS_HOST, _port("--metrics-port", str(port))
    bind = _text(env, "PARLEY_METRICS_BIND")
    if bind:
        host, sep, raw = bind.rpartition(":")
        if not sep or not host:
            raise DataError(f"PARLEY_METRICS_BIND must be host:port, not '{bind}'")
        return host.strip("[]"), _port("PARLEY_METRICS_BIND", raw)
    raw = _text(env, "PARLEY_METRICS_PORT")
    if raw:
        return DEFAULT_METRICS_HOST, _port("PARLEY_METRICS_PORT", raw)
    return None


def _port(name: str, raw: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise DataError(f"{name} must be a port number, not '{raw}'") from None
    if not 0 <= value <= 65535:
        raise DataError(f"{name} must be a port number, not '{raw}'")
    return value


def _text(env: Mapping[str, str], name: str) -> str | None:
    value = env.get(name, "").strip()
    return value or None


def _number(env: Mapping[str, str], name: str, default: float) -> float:
    raw = _text(env, name)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise DataError(f"{name} must be a positive number, not '{raw}'") from None
    if value <= 0:
        raise DataError(f"{name} must be a positive number, not '{raw}'")
    return value


def _flag(env: Mapping[str, str], name: str) -> bool:
    raw = (env.get(name) or "").strip().lower()
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise DataError(f"{name} must be 'true' or 'false', not '{raw}'")


def interpolate_env(value: Any, env: Mapping[str, str]) -> Any:
    """Replace ``${VAR}`` / ``${VAR:-default}`` in strings, recursively."""
    if isinstance(value, str):
        return _ENV_PATTERN.sub(lambda m: env.get(m.group(1), m.group(2) or ""), value)
    if isinstance(value, dict):
        return {k: interpolate_env(v, env) for k, v in value.items()}
    if isinstance(value, list):
        return [interpolate_env(v, env) for v in value]
    return value


def read_endpoints(path: str | None, env: Mapping[str, str]) -> dict[str, Any]:
    """Read endpoints.yml (Rasa's format); a missing default file is no error."""
    import yaml

    if path is None:
        return {}
    file = Path(path)
    if not file.is_file():
        raise DataError("endpoints file not found", file=str(file))
    try:
        data = yaml.safe_load(file.read_text("utf-8")) or {}
    except yaml.YAMLError as ex:
        mark = getattr(ex, "problem_mark", None)
        raise DataError(f"invalid YAML: {getattr(ex, 'problem', ex)}", file=str(file),
                        line=mark.line + 1 if mark else None) from ex
    if not isinstance(data, dict):
        raise DataError("endpoints.yml must be a mapping of endpoint names", file=str(file))
    return interpolate_env(data, env)
