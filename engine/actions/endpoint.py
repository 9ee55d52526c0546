"""HTTP endpoints from endpoints.yml (``action_endpoint``, ``nlg``) and a JSON POST client.

Rasa's EndpointConfig keys are honoured: ``url``, ``params``, ``headers``,
``basic_auth`` (``username``/``password``), ``token`` (sent as the query
parameter ``token_name``, default ``token``), ``cafile``; plus ``timeout``
(seconds) and ``enable_selective_domain``. The client is synchronous (the
engine runs each turn on a worker thread) and uses only the standard
library. Requests go through the outbound policy (:mod:`outbound`): the host
must be allowed, and redirects are followed only on the same host.
"""
from __future__ import annotations

import base64
import json
import logging
import ssl
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from typing import Any

from engine.errors import DataError
from outbound import OutboundPolicy
from outbound.clients import guarded_urlopen

logger = logging.getLogger(__name__)

# Rasa waits 300 s; a turn holds its conversation's lock while it waits, and
# the gateway's deadline is 60 s, so a shorter default serves users better.
DEFAULT_TIMEOUT = 60.0


class EndpointError(Exception):
    """A request to an endpoint failed.

    Attributes:
        status: The HTTP status, or None when no answer came (connection
            error, timeout).
        body: The parsed JSON body of an error answer, if any.
    """

    def __init__(self, message: str, status: int | None = None, body: Any = None) -> None:
        super().__init__(message)
        self.status = status
        self.body = body


@dataclass
class EndpointConfig:
    """One endpoint of endpoints.yml.

    Attributes:
        url: The URL requests go to.
        params: Extra query parameters.
        headers: Extra request headers.
        basic_auth: ``{"username", "password"}`` for HTTP basic auth.
        token: Sent as query parameter ``token_name``.
        token_name: Name of the token parameter.
        cafile: CA bundle to verify the server's certificate.
        timeout: Seconds to wait for an answer.
        extra: Every other key of the section (e.g. ``enable_selective_domain``).
        outbound: Which hosts the URL may name.
    """

    url: str
    params: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    basic_auth: dict[str, str] | None = None
    token: str | None = None
    token_name: str = "token"
    cafile: str | None = None
    timeout: float = DEFAULT_TIMEOUT
    extra: dict[str, Any] = field(default_factory=dict)
    outbound: OutboundPolicy = field(default_factory=OutboundPolicy)

    @classmethod
    def from_dict(
        cls, section: Any, name: str = "endpoint", outbound: OutboundPolicy | None = None
    ) -> EndpointConfig | None:
        """Build from an endpoints.yml section; None when the section is absent or has no url.

        Raises:
            DataError: The section is not a mapping or a value has the wrong type.
        """
        if section is None:
            return None
        if isinstance(section, str):
            section = {"url": section}
        if not isinstance(section, dict):
            raise DataError(f"endpoints.yml: '{name}' must be a mapping with a 'url'.")
        url = section.get("url")
        if not url:
            return None
        if not isinstance(url, str):
            raise DataError(f"endpoints.yml: '{name}.url' must be a string.")
        known = {"url", "params", "headers", "basic_auth", "token", "token_name", "cafile", "timeout"}
        try:
            timeout = float(section.get("timeout") or DEFAULT_TIMEOUT)
        except (TypeError, ValueError) as ex:
            raise DataError(f"endpoints.yml: '{name}.timeout' must be a number of seconds.") from ex
        for key in ("params", "headers", "basic_auth"):
            if section.get(key) is not None and not isinstance(section[key], dict):
                raise DataError(f"endpoints.yml: '{name}.{key}' must be a mapping.")
        return cls(
            url=url,
            params=dict(section.get("params") or {}),
            headers={str(k): str(v) for k, v in (section.get("headers") or {}).items()},
            basic_auth=section.get("basic_auth"),
            token=section.get("token"),
            token_name=str(section.get("token_name") or "token"),
            cafile=section.get("cafile"),
            timeout=timeout,
            extra={k: v for k, v in section.items() if k not in known},
            outbound=outbound or OutboundPolicy(),
        )

    def flag(self, key: str) -> bool:
        """Return whether an extra boolean setting (e.g. ``enable_selective_domain``) is on."""
        value = self.extra.get(key)
        if isinstance(value, str):
            return value.strip().lower() in ("true", "1", "yes")
        return bool(value)

    def _full_url(self) -> str:
        params = dict(self.params)
        if self.token is not None:
            params[self.token_name] = self.token
        if not params:
            return self.url
        separator = "&" if urllib.parse.urlsplit(self.url).query else "?"
        return self.url + separator + urllib.parse.urlencode(params, doseq=True)

    def post_json(self, body: Any) -> Any:
        """POST ``body`` as JSON and return the decoded JSON answer.

        Raises:
            EndpointError: No answer, a non-2xx status, or a body that is not JSON.
        """
        data = json.dumps(body, ensure_ascii=False, default=str).encode("utf-8")
        headers = {"Content-Type": "application/json", "Accept": "application/json", **self.headers}
        if self.basic_auth:
            pair = f"{self.basic_auth.get('username', '')}:{self.basic_auth.get('password', '')}"
            headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
        request = urllib.request.Request(self._full_url(), data=data, headers=headers, method="POST")
        context = ssl.create_default_context(cafile=self.cafile) if self.cafile else None
        try:
            with guarded_urlopen(request, timeout=self.timeout, context=context, policy=self.outbound) as reply:
                raw = reply.read()
        except urllib.error.HTTPError as ex:
            payload = ex.read()
            try:
                parsed = json.loads(payload) if payload else None
            except ValueError:
                parsed = None
            raise EndpointError(f"{self.url} answered HTTP {ex.code}", ex.code, parsed) from None
        except (urllib.error.URLError, OSError, ValueError) as ex:
            reason = getattr(ex, "reason", ex)
            raise EndpointError(f"cannot reach {self.url}: {reason}") from None
        if not raw.strip():
            return None
        try:
            return json.loads(raw)
        except ValueError as ex:
            raise EndpointError(f"{self.url} answered with a body that is not JSON: {ex}", 200) from None
