"""HTTP clients that honour an :class:`~outbound.policy.OutboundPolicy`.

- :func:`guarded_urlopen` (engine: model server, action server, NLG) is
  ``urllib.request.urlopen`` whose connections go only to addresses the
  policy checked at connect time, which follows redirects only to the
  same scheme, host and port, and ignores proxy variables (a proxy would
  hide the real target from the check).
- :func:`pinned_target` (gateway: ``callback_url``) resolves and checks a
  URL and returns the same URL aimed at the checked address, with the
  ``Host`` header and TLS server name of the original host.
"""
from __future__ import annotations

import functools
import http.client
import ipaddress
import socket
import ssl
import urllib.parse
import urllib.request
from typing import Any

from outbound.policy import OutboundPolicy, OutboundRefused, same_origin


def _guarded_connect(
    policy: OutboundPolicy,
    address: tuple[str, int],
    timeout: Any = socket._GLOBAL_DEFAULT_TIMEOUT,  # type: ignore[attr-defined]
    source_address: Any = None,
    **_: Any,
) -> socket.socket:
    """``socket.create_connection`` limited to the addresses ``policy`` allows."""
    host, port = address
    last_error: OSError | None = None
    for family, kind, proto, _name, sockaddr in policy.resolve(host, port):
        sock = socket.socket(family, kind, proto)
        try:
            if timeout is not socket._GLOBAL_DEFAULT_TIMEOUT:  # type: ignore[attr-defined]
                sock.settimeout(timeout)
            if source_address:
                sock.bind(source_address)
            sock.connect(sockaddr)
            return sock
        except OSError as ex:
            last_error = ex
            sock.close()
    raise last_error or OSError(f"cannot connect to {host}:{port}")


def _connection(cls: type[http.client.HTTPConnection], policy: OutboundPolicy, host: str, **kwargs: Any) -> Any:
    connection = cls(host, **kwargs)
    # http.client connects through this attribute (HTTPS wraps the socket afterwards).
    connection._create_connection = functools.partial(_guarded_connect, policy)  # type: ignore[attr-defined]
    return connection


class _GuardedHTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, policy: OutboundPolicy) -> None:
        super().__init__()
        self.policy = policy

    def http_open(self, req: urllib.request.Request) -> Any:
        return self.do_open(functools.partial(_connection, http.client.HTTPConnection, self.policy), req)


class _GuardedHTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, policy: OutboundPolicy, context: ssl.SSLContext | None) -> None:
        super().__init__(context=context)
        self.policy = policy

    def https_open(self, req: urllib.request.Request) -> Any:
        factory = functools.partial(_connection, http.client.HTTPSConnection, self.policy)
        return self.do_open(factory, req, context=self._context)  # type: ignore[attr-defined]


class _SameOriginRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req: Any, fp: Any, code: int, msg: str, headers: Any, newurl: str) -> Any:
        target = urllib.parse.urljoin(req.full_url, newurl)
        if not same_origin(req.full_url, target):
            raise OutboundRefused(f"{req.full_url} redirected to another host ({target}); not followed")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def guarded_urlopen(
    request: urllib.request.Request | str,
    *,
    timeout: float,
    policy: OutboundPolicy,
    context: ssl.SSLContext | None = None,
) -> Any:
    """``urllib.request.urlopen`` under ``policy`` (see the module docstring).

    Raises:
        OutboundRefused: The host, or a redirect's host, is not allowed
            (a ``ValueError``, so callers' URL error handling covers it).
        urllib.error.URLError, OSError: As ``urlopen``.
    """
    url = request.full_url if isinstance(request, urllib.request.Request) else request
    policy.check_url(url)  # a clear error before anything is sent
    opener = urllib.request.OpenerDirector()
    for handler in (
        urllib.request.ProxyHandler({}),
        urllib.request.UnknownHandler(),
        _GuardedHTTPHandler(policy),
        _GuardedHTTPSHandler(policy, context),
        urllib.request.HTTPDefaultErrorHandler(),
        _SameOriginRedirects(),
        urllib.request.HTTPErrorProcessor(),
    ):
        opener.add_handler(handler)
    return opener.open(request, timeout=timeout)


async def pinned_target(url: str, policy: OutboundPolicy) -> tuple[str, dict[str, str], dict[str, Any]]:
    """Check ``url`` and aim it at the checked address.

    Returns:
        ``(url with the address as host, headers, httpx extensions)``: send
        the request there with those headers (``Host``) and extensions
        (``sni_hostname``, so TLS verifies the original host name).

    Raises:
        OutboundRefused: The URL's host is not allowed.
    """
    infos = await policy.check_url_async(url)
    parts = urllib.parse.urlsplit(url)
    address = ipaddress.ip_address(str(infos[0][4][0]).split("%", 1)[0])
    host_text = f"[{address}]" if address.version == 6 else str(address)
    userinfo, at, host_header = parts.netloc.rpartition("@")
    netloc = userinfo + at + (host_text if parts.port is None else f"{host_text}:{parts.port}")
    pinned = urllib.parse.urlunsplit(parts._replace(netloc=netloc))
    extensions = {"sni_hostname": parts.hostname} if parts.scheme == "https" else {}
    return pinned, {"Host": host_header}, extensions
