"""HTTP endpoints described the way Rasa's ``EndpointConfig`` describes them.

A channel that calls out (the callback channel) is configured in
``credentials.yml`` with Rasa's endpoint keys::

    callback:
      url: "https://example.com/bot"   # required
      headers: {X-Api-Key: abc}         # sent with every request
      basic_auth: {username: u, password: p}
      token: secret                     # sent as the query parameter token_name
      token_name: token                 # default "token"
      params: {lang: en}                # more query parameters
      cafile: /etc/ssl/my-ca.pem        # trust this CA for https
      timeout: 30                       # seconds per request (Parley's addition)
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping
from urllib.parse import urlsplit

from gateway.settings import ConfigError

DEFAULT_TIMEOUT = 30.0
DEFAULT_TOKEN_NAME = "token"

_KNOWN_KEYS = frozenset(
    {"url", "headers", "basic_auth", "token", "token_name", "params", "cafile", "timeout"}
)


@dataclass(frozen=True)
class Endpoint:
    """Where and how to send HTTP requests.

    Attributes:
        url: Absolute ``http`` or ``https`` URL.
        headers: Extra request headers.
        basic_auth: ``(username, password)``, or ``None``.
        params: Query parameters, the token included.
        cafile: CA bundle to verify the server with, or ``None`` for the default.
        timeout: Seconds allowed for each request.
    """

    url: str
    headers: Mapping[str, str] = field(default_factory=dict)
    basic_auth: tuple[str, str] | None = None
    params: Mapping[str, str] = field(default_factory=dict)
    cafile: str | None = None
    timeout: float = DEFAULT_TIMEOUT

    @property
    def origin(self) -> tuple[str, str, int | None]:
        """Scheme, host and port of :attr:`url` (redirects must stay on it)."""
        return origin_of(self.url)


def origin_of(url: str) -> tuple[str, str, int | None]:
    """Return ``(scheme, host, port)`` of ``url`` with the default port made explicit."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    port = parts.port or {"http": 80, "https": 443}.get(scheme)
    return scheme, (parts.hostname or "").lower(), port


def parse_endpoint(channel: str, config: Any) -> Endpoint:
    """Read an endpoint from a channel's credentials.

    Args:
        channel: Channel name, for error messages.
        config: The channel's credentials (a mapping with at least ``url``).

    Raises:
        ConfigError: The credentials are not usable.
    """
    if not isinstance(config, Mapping):
        raise ConfigError(f"Channel '{channel}' needs credentials with a 'url' in credentials.yml.")
    url = config.get("url")
    if not isinstance(url, str) or urlsplit(url).scheme.lower() not in ("http", "https"):
        raise ConfigError(
            f"Channel '{channel}' needs an http(s) 'url' in credentials.yml, not {url!r}."
        )
    if not urlsplit(url).hostname:
        raise ConfigError(f"Channel '{channel}': the url {url!r} has no host.")
    params = _string_map(channel, "params", config.get("params"))
    token = config.get("token")
    if token is not None:
        name = config.get("token_name") or DEFAULT_TOKEN_NAME
        params[str(name)] = str(token)
    return Endpoint(
        url=url,
        headers=_string_map(channel, "headers", config.get("headers")),
        basic_auth=_basic_auth(channel, config.get("basic_auth")),
        params=params,
        cafile=_optional_text(channel, "cafile", config.get("cafile")),
        timeout=_timeout(channel, config.get("timeout")),
    )


def unknown_keys(config: Any) -> list[str]:
    """Return the keys of an endpoint's credentials that Parley does not read."""
    if not isinstance(config, Mapping):
        return []
    return sorted(str(key) for key in config if key not in _KNOWN_KEYS)


def _string_map(channel: str, key: str, value: Any) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ConfigError(f"Channel '{channel}': '{key}' must be a mapping.")
    return {str(k): str(v) for k, v in value.items() if v is not None}


def _basic_auth(channel: str, value: Any) -> tuple[str, str] | None:
    if value is None:
        return None
    if not isinstance(value, Mapping) or "username" not in value or "password" not in value:
        raise ConfigError(f"Channel '{channel}': 'basic_auth' needs 'username' and 'password'.")
    return str(value["username"]), str(value["password"])


def _optional_text(channel: str, key: str, value: Any) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ConfigError(f"Channel '{channel}': '{key}' must be a string.")
    return value


def _timeout(channel: str, value: Any) -> float:
    if value is None:
        return DEFAULT_TIMEOUT
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise ConfigError(f"Channel '{channel}': 'timeout' must be a positive number of seconds.")
    return float(value)
