"""SSRF guard: user-supplied URLs are fetched only when every address their host resolves to is public.

The host is resolved once here, every address is vetted, and the fetcher connects to the vetted address
(no second lookup, so DNS rebinding cannot swap in a private one). Resolution goes through the system's
getaddrinfo, which reads every spelling of an address the way a socket would (`2130706433`, `0x7f.1`,
`0177.0.0.1`, `127.1` all become 127.0.0.1), so the address vetted is the address connected to.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

# Beyond what `ipaddress.is_global` already excludes, these are named explicitly because some Python
# versions disagree about them, and because they are the ones attackers use.
_DENIED_NETWORKS = [
    ipaddress.ip_network(net)
    for net in (
        "0.0.0.0/8",  # "this network", 0.0.0.0 connects to the local host
        "10.0.0.0/8",
        "100.64.0.0/10",  # CGNAT: cloud metadata lives here too (100.100.100.200)
        "127.0.0.0/8",
        "169.254.0.0/16",  # link-local, 169.254.169.254 metadata
        "172.16.0.0/12",
        "192.0.0.0/24",
        "192.0.2.0/24",
        "192.88.99.0/24",
        "192.168.0.0/16",
        "198.18.0.0/15",
        "198.51.100.0/24",
        "203.0.113.0/24",
        "224.0.0.0/4",  # multicast
        "240.0.0.0/4",  # reserved, and 255.255.255.255
        "::/128",
        "::1/128",
        "::ffff:0:0/96",  # IPv4-mapped
        "::/96",  # IPv4-compatible (deprecated)
        "64:ff9b::/96",  # NAT64
        "64:ff9b:1::/48",  # local-use NAT64
        "100::/64",  # discard
        "2001::/32",  # Teredo (embeds an IPv4 address)
        "2001:db8::/32",  # documentation
        "2002::/16",  # 6to4 (embeds an IPv4 address)
        "fc00::/7",  # unique local
        "fe80::/10",  # link-local
        "fec0::/10",  # site-local
        "ff00::/8",  # multicast
    )
]

Resolver = Callable[[str, int], list[str]]


class RefusedError(Exception):
    """We will not fetch this URL. The message says why, in words a user understands."""


log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str  # as in the URL, lower case, no brackets
    port: int
    address: str  # the vetted address to connect to


def is_public_address(value: str) -> bool:
    try:
        ip = ipaddress.ip_address(value.split("%", 1)[0])
    except ValueError:
        return False
    if any(ip in net for net in _DENIED_NETWORKS if net.version == ip.version):
        return False
    return ip.is_global


def system_resolver(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as exc:
        log.info("resolving %s failed: %r", host, exc)  # the technical detail, for whoever reads the logs
        raise RefusedError(_unknown_host(host)) from None
    addresses = []
    for _family, _type, _proto, _name, sockaddr in infos:
        if sockaddr[0] not in addresses:
            addresses.append(sockaddr[0])
    return addresses


def _unknown_host(host: str) -> str:
    return (
        f"No shop could be found at {host}: the name does not exist or could not be looked up just now. "
        "Check the spelling of the address."
    )


def vet_url(url: str, *, allowed_hosts: Iterable[str] = (), resolver: Resolver = system_resolver) -> Target:
    """Check a URL we are about to fetch and return where to connect; raise RefusedError otherwise."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        if scheme:
            raise RefusedError(
                f"Only http:// and https:// addresses are fetched (this one starts with “{scheme[:20]}:”)."
            )
        raise RefusedError("Only http:// and https:// addresses are fetched: this one does not start with either.")
    if parts.username is not None or parts.password is not None:
        raise RefusedError("Addresses with a user name or password are not fetched.")
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError:
        raise RefusedError("The address has an invalid port.") from None
    host = (parts.hostname or "").lower().rstrip(".")
    if not host:
        raise RefusedError("The address has no host name.")
    addresses = resolver(host, port)
    if not addresses:
        raise RefusedError(_unknown_host(host))
    allowed = {h.lower() for h in allowed_hosts}
    # An entry "host" allows the host on any port; "host:port" only on that port.
    if host in allowed or f"{host}:{port}" in allowed:
        return Target(scheme, host, port, addresses[0])
    private = [a for a in addresses if not is_public_address(a)]
    if private:
        # One private answer is enough to refuse: a name mixing public and private answers is a trap.
        raise RefusedError(
            f"{host} points to a private or reserved network address ({private[0]}), not to a public shop; "
            "Dropwatch only fetches public shop pages."
        )
    return Target(scheme, host, port, addresses[0])
