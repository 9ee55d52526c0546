"""Which hosts Parley may send requests to (``PARLEY_OUTBOUND_ALLOW``).

Rules, applied to every address a URL's host resolves to (all of them must
pass, so a name that resolves to one internal address is refused):

- Link-local addresses (``169.254.0.0/16`` with the cloud metadata service
  at ``169.254.169.254``, ``fe80::/10``, AWS's ``fd00:ec2::254``) are always
  refused, unless an allow-list entry names them specifically (an address
  or network inside those ranges, or the exact host name).
- Without an allow-list every other address is allowed: loopback and
  private hosts keep working for local development and tests.
- With an allow-list (comma-separated host names, ``*.suffix`` wildcards,
  IP addresses and CIDR networks) a host passes when its name matches a
  name entry, or every address it resolves to lies in an address entry.

The check resolves the host itself; the clients in :mod:`outbound.clients`
then connect to exactly the checked addresses, so a DNS answer that
changes between check and connect (DNS rebinding) cannot slip through.
"""
from __future__ import annotations

import asyncio
import ipaddress
import socket
import urllib.parse
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Sequence, Union

ALLOW_ENV = "PARLEY_OUTBOUND_ALLOW"

Network = Union[ipaddress.IPv4Network, ipaddress.IPv6Network]
Address = Union[ipaddress.IPv4Address, ipaddress.IPv6Address]
AddrInfo = tuple[Any, Any, Any, Any, Any]

# Cloud metadata services and other link-local targets: never by default.
ALWAYS_REFUSED: tuple[Network, ...] = (
    ipaddress.ip_network("169.254.0.0/16"),
    ipaddress.ip_network("fe80::/10"),
    ipaddress.ip_network("fd00:ec2::254/128"),
)


class OutboundRefused(ValueError):
    """A URL's host is not one Parley may send requests to."""


def _normalized(address: Address) -> Address:
    """``::ffff:169.254.169.254`` is checked as ``169.254.169.254``."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


@dataclass(frozen=True)
class OutboundPolicy:
    """The outbound allow-list (empty: every host but link-local ones).

    Attributes:
        names: Allowed host names, lower case; ``*.example.com`` allows the
            subdomains of example.com.
        networks: Allowed addresses and networks.
    """

    names: tuple[str, ...] = ()
    networks: tuple[Network, ...] = field(default=())

    @classmethod
    def parse(cls, entries: Iterable[str]) -> OutboundPolicy:
        """Build a policy from allow-list entries (host names, IPs, CIDRs).

        Raises:
            ValueError: An entry is neither an address, a network nor a host name.
        """
        names: list[str] = []
        networks: list[Network] = []
        for raw in entries:
            entry = raw.strip().lower()
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
                continue
            except ValueError:
                pass
            bare = entry[2:] if entry.startswith("*.") else entry
            if not bare or any(not (c.isalnum() or c in "-._") for c in bare):
                raise ValueError(
                    f"{ALLOW_ENV}: '{raw.strip()}' is not a host name, an IP address or a CIDR network"
                )
            names.append(entry)
        return cls(tuple(names), tuple(networks))

    @classmethod
    def from_sources(cls, environ: Mapping[str, str], flag: Sequence[str] | str | None = None) -> OutboundPolicy:
        """Read the allow-list: the ``--outbound-allow`` flag, else ``PARLEY_OUTBOUND_ALLOW``.

        Raises:
            ValueError: An entry cannot be used.
        """
        if flag:
            values = [flag] if isinstance(flag, str) else list(flag)
        else:
            values = [environ.get(ALLOW_ENV, "")]
        return cls.parse(part for value in values for part in value.split(","))

    @property
    def restricted(self) -> bool:
        """Whether an allow-list is configured."""
        return bool(self.names or self.networks)

    def as_env(self) -> str:
        """The allow-list as a ``PARLEY_OUTBOUND_ALLOW`` value."""
        return ",".join([*self.names, *(str(n) for n in self.networks)])

    # -- checks ------------------------------------------------------------

    def _name_allowed(self, host: str) -> bool:
        host = host.lower().rstrip(".")
        for name in self.names:
            if name.startswith("*."):
                if host.endswith(name[1:]):
                    return True
            elif host == name:
                return True
        return False

    def _address_allowed(self, address: Address, by_name: bool) -> bool:
        address = _normalized(address)
        if any(address in refused for refused in ALWAYS_REFUSED):
            # Only an entry inside the refused range itself lets it through.
            return any(
                network.version == address.version
                and address in network
                and any(network.subnet_of(refused) for refused in ALWAYS_REFUSED
                        if refused.version == network.version)
                for network in self.networks
            )
        if not self.restricted or by_name:
            return True
        return any(network.version == address.version and address in network for network in self.networks)

    def allowed_infos(self, host: str, infos: Sequence[AddrInfo]) -> list[AddrInfo]:
        """Return ``infos`` (``getaddrinfo`` results for ``host``) if every address is allowed.

        Raises:
            OutboundRefused: The host resolved to nothing, or to an address
                that is not allowed.
        """
        if not infos:
            raise OutboundRefused(f"the host '{host}' does not resolve")
        by_name = self._name_allowed(host)
        for info in infos:
            address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
            if not self._address_allowed(address, by_name):
                raise OutboundRefused(
                    f"requests to '{host}' ({address}) are not allowed by the outbound policy "
                    f"(set {ALLOW_ENV} to allow them)"
                )
        return list(infos)

    def resolve(self, host: str, port: int) -> list[AddrInfo]:
        """Resolve ``host`` and return its addresses if they are all allowed.

        Raises:
            OutboundRefused: See :meth:`allowed_infos`; also when the name
                does not resolve.
        """
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError) as ex:
            raise OutboundRefused(f"the host '{host}' does not resolve: {ex}") from None
        return self.allowed_infos(host, infos)

    async def resolve_async(self, host: str, port: int) -> list[AddrInfo]:
        """:meth:`resolve` without blocking the event loop."""
        loop = asyncio.get_running_loop()
        try:
            infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError) as ex:
            raise OutboundRefused(f"the host '{host}' does not resolve: {ex}") from None
        return self.allowed_infos(host, infos)

    def check_url(self, url: str) -> list[AddrInfo]:
        """Check an http(s) URL; return the allowed addresses of its host.

        Raises:
            OutboundRefused: Not an absolute http(s) URL, or its host is not allowed.
        """
        host, port = url_host(url)
        return self.resolve(host, port)

    async def check_url_async(self, url: str) -> list[AddrInfo]:
        """:meth:`check_url` without blocking the event loop."""
        host, port = url_host(url)
        return await self.resolve_async(host, port)


def url_host(url: str) -> tuple[str, int]:
    """Return the host and port an http(s) URL points to.

    Raises:
        OutboundRefused: Not an absolute http(s) URL with a host.
    """
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port
    except ValueError as ex:
        raise OutboundRefused(f"'{url}' is not a usable URL: {ex}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise OutboundRefused(f"'{url}' is not an absolute http(s) URL")
    return parts.hostname, port or (443 if parts.scheme == "https" else 80)


def same_origin(first: str, second: str) -> bool:
    """Whether two URLs have the same scheme, host and port (redirects may only stay there)."""
    try:
        return url_host(first) == url_host(second) and (
            urllib.parse.urlsplit(first).scheme == urllib.parse.urlsplit(second).scheme
        )
    except OutboundRefused:
        return False
