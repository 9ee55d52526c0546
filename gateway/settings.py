"""Gateway settings, read once from the environment at the process edge."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import yaml

from outbound import OutboundPolicy

logger = logging.getLogger(__name__)

DEFAULT_ENGINE_ADDRESS = "127.0.0.1:50051"
DEFAULT_ENGINE_TIMEOUT = 60.0
DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024

_TRUE = frozenset({"true", "1", "yes", "on"})
_FALSE = frozenset({"false", "0", "no", "off", ""})


class ConfigError(ValueError):
    """A setting has a value the gateway cannot start with."""


def _rest_only() -> dict[str, Any]:
    return {"rest": None}


@dataclass(frozen=True)
class GatewaySettings:
    """Everything the gateway needs to know, built once by :meth:`from_env`.

    Attributes:
        engine_address: gRPC target of the engine, ``host:port`` or ``unix:/path``.
        enable_api: Serve the HTTP API routes (like ``rasa run --enable-api``).
        auth_token: Secret accepted as ``?token=`` on protected routes.
        jwt_secret: JWT shared secret, or the PUBLIC key for RS*/ES*/PS* methods.
        jwt_method: The one JWT algorithm accepted (default ``HS256``).
        jwt_private_key: Accepted for Rasa compatibility; Parley issues no tokens.
        cors_origins: Allowed CORS origins; ``("*",)`` for any, empty for no CORS.
        credentials: Channel name -> channel credentials (Rasa ``credentials.yml``).
        engine_timeout: Deadline of every gRPC call, in seconds.
        max_body_bytes: Largest accepted request body; larger gives 413.
        redis_url: Redis URL (``REDIS_URL``) the socket.io channel shares
            emits between workers through, unless its credentials name one.
        enable_chat: Serve the chat web page at ``/chat``.
        outbound: Hosts ``callback_url`` may name (``PARLEY_OUTBOUND_ALLOW``).
        engine_secret: Shared secret sent to the engine with every call
            (``PARLEY_ENGINE_SECRET``), or None.
        engine_ca: CA certificate (PEM file) to reach the engine over TLS
            (``PARLEY_ENGINE_TLS_CA``), or None for a plain channel.
    """

    engine_address: str = DEFAULT_ENGINE_ADDRESS
    enable_api: bool = False
    auth_token: str | None = None
    jwt_secret: str | None = None
    jwt_method: str = "HS256"
    jwt_private_key: str | None = None
    cors_origins: tuple[str, ...] = ()
    credentials: Mapping[str, Any] = field(default_factory=_rest_only)
    engine_timeout: float = DEFAULT_ENGINE_TIMEOUT
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    redis_url: str | None = None
    enable_chat: bool = False
    outbound: OutboundPolicy = field(default_factory=OutboundPolicy)
    engine_secret: str | None = None
    engine_ca: str | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> GatewaySettings:
        """Build settings from environment variables.

        Args:
            environ: The environment (``os.environ`` in production).

        Raises:
            ConfigError: A variable has a value that cannot be used.
        """
        return cls(
            engine_address=_text(environ, "ENGINE_ADDRESS") or DEFAULT_ENGINE_ADDRESS,
            enable_api=_boolean(environ, "PARLEY_ENABLE_API"),
            auth_token=_text(environ, "AUTH_TOKEN"),
            jwt_secret=_text(environ, "JWT_SECRET"),
            jwt_method=_text(environ, "JWT_METHOD") or "HS256",
            jwt_private_key=_text(environ, "JWT_PRIVATE_KEY"),
            cors_origins=parse_cors(environ.get("PARLEY_CORS", "")),
            credentials=load_credentials(_text(environ, "PARLEY_CREDENTIALS")),
            engine_timeout=_positive_number(
                environ, "PARLEY_ENGINE_TIMEOUT", DEFAULT_ENGINE_TIMEOUT, float
            ),
            max_body_bytes=int(
                _positive_number(environ, "PARLEY_MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES, int)
            ),
            redis_url=_text(environ, "REDIS_URL"),
            enable_chat=_boolean(environ, "PARLEY_ENABLE_CHAT"),
            outbound=_outbound(environ),
            engine_secret=_text(environ, "PARLEY_ENGINE_SECRET"),
            engine_ca=_text(environ, "PARLEY_ENGINE_TLS_CA"),
        )


def parse_cors(value: str) -> tuple[str, ...]:
    """Split a comma-separated origin list; any ``*`` means every origin."""
    origins = tuple(part.strip() for part in value.split(",") if part.strip())
    return ("*",) if "*" in origins else origins


def load_credentials(path: str | None) -> dict[str, Any]:
    """Read a Rasa ``credentials.yml`` into channel name -> credentials.

    No path, a missing file or an empty file mean the ``rest`` channel only,
    as ``rasa run`` falls back to REST when no connector is configured.

    Raises:
        ConfigError: The file is not YAML or not a mapping of channels.
    """
    if not path:
        return _rest_only()
    file = Path(path)
    if not file.is_file():
        logger.warning("Credentials file '%s' not found; serving the rest channel only.", path)
        return _rest_only()
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as ex:
        raise ConfigError(f"Cannot read credentials file '{path}': {ex}") from ex
    if data is None:
        return _rest_only()
    if not isinstance(data, dict):
        raise ConfigError(
            f"Credentials file '{path}' must map channel names to their credentials."
        )
    return {str(name): value for name, value in data.items()}


def _outbound(environ: Mapping[str, str]) -> OutboundPolicy:
    try:
        return OutboundPolicy.from_sources(environ)
    except ValueError as ex:
        raise ConfigError(str(ex)) from None


def _text(environ: Mapping[str, str], name: str) -> str | None:
    value = environ.get(name, "").strip()
    return value or None


def _boolean(environ: Mapping[str, str], name: str) -> bool:
    value = environ.get(name, "").strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ConfigError(f"{name} must be 'true' or 'false', not '{environ[name]}'.")


def _positive_number(
    environ: Mapping[str, str], name: str, default: float, kind: type[float] | type[int]
) -> float:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = kind(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a positive number, not '{raw}'.") from None
    if value <= 0:
        raise ConfigError(f"{name} must be a positive number, not '{raw}'.")
    return value
