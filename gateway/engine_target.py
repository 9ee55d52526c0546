"""Turn ``ENGINE_ADDRESS`` into a gRPC target and channel options.

``ENGINE_ADDRESS`` may name:

- one engine: ``host:port`` or ``unix:/path``;
- several engines: ``host:p1,host:p2,...`` - the gateway spreads calls over
  them round-robin (target ``ipv4:127.0.0.1:p1,127.0.0.1:p2``; host names
  are resolved once when the channel opens);
- a DNS name with several records: ``dns:///engines.internal:50051`` -
  round-robin over every address the name resolves to.

With several engines, a call that was on an engine that dies fails at once
(UNAVAILABLE, answered as 503) and new calls go to the engines still up; a
restarted engine is reconnected within about a second.
"""
from __future__ import annotations

import ipaddress
import socket
from typing import Any

# A dead engine is retried every 0.25-2 s, so a restarted one rejoins fast;
# keepalive pings find a connection that died without a FIN.
_RECONNECT_OPTIONS: tuple[tuple[str, Any], ...] = (
    ("grpc.initial_reconnect_backoff_ms", 250),
    ("grpc.min_reconnect_backoff_ms", 250),
    ("grpc.max_reconnect_backoff_ms", 2000),
    ("grpc.keepalive_time_ms", 20_000),
    ("grpc.keepalive_timeout_ms", 5_000),
    ("grpc.keepalive_permit_without_calls", 0),
)
_ROUND_ROBIN = ("grpc.lb_policy_name", "round_robin")


class EngineAddressError(ValueError):
    """ENGINE_ADDRESS cannot be used."""


def engine_target(address: str) -> tuple[str, tuple[tuple[str, Any], ...]]:
    """Return the gRPC target for ``address`` and the options it needs.

    Raises:
        EngineAddressError: The address is empty, or a part of a list is not ``host:port``.
    """
    address = address.strip()
    if not address:
        raise EngineAddressError("ENGINE_ADDRESS is empty")
    if address.startswith(("dns:", "ipv4:", "ipv6:")):
        return address, (_ROUND_ROBIN, *_RECONNECT_OPTIONS)
    parts = [part.strip() for part in address.split(",") if part.strip()]
    if len(parts) == 1:
        return parts[0], _RECONNECT_OPTIONS
    if any(part.startswith("unix:") for part in parts):
        raise EngineAddressError(
            f"ENGINE_ADDRESS '{address}': a list of engines must be host:port entries (no unix: paths)"
        )
    resolved = [_resolve(part) for part in parts]
    families = {family for family, _ in resolved}
    if len(families) > 1:
        raise EngineAddressError(f"ENGINE_ADDRESS '{address}' mixes IPv4 and IPv6 engines")
    scheme = families.pop()
    return f"{scheme}:{','.join(endpoint for _, endpoint in resolved)}", (_ROUND_ROBIN, *_RECONNECT_OPTIONS)


def _resolve(part: str) -> tuple[str, str]:
    host, sep, port = part.rpartition(":")
    if not sep or not host or not port.isdigit():
        raise EngineAddressError(f"ENGINE_ADDRESS entry '{part}' is not host:port")
    host = host.strip("[]")
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        try:
            info = socket.getaddrinfo(host, int(port), type=socket.SOCK_STREAM)
        except OSError as ex:
            raise EngineAddressError(f"ENGINE_ADDRESS entry '{part}': cannot resolve {host}: {ex}") from ex
        ip = ipaddress.ip_address(info[0][4][0])
    if ip.version == 6:
        return "ipv6", f"[{ip}]:{port}"
    return "ipv4", f"{ip}:{port}"
