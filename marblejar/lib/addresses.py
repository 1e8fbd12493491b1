"""Which addresses Marblejar may send a request to on a team's behalf.

A chat integration's address and a tracker's base URL are typed by a lead,
and the server then sends requests to them. Without a check, that lets anyone
who leads a team point the server at itself or at the private network it runs
in (the cloud's metadata service, a database's HTTP port) and read what comes
back in the error message: a server-side request forgery (SSRF). Private,
loopback, link-local and other non-public addresses are therefore refused,
when the address is saved and again before every request (a name can be made
to resolve elsewhere later), unless ``MARBLEJAR_INTEGRATIONS_ALLOW_PRIVATE``
is set: for a chat server or a GitLab or GitHub Enterprise inside the company
network, and for the tests' loopback receivers and trackers.

A request goes to the address that was checked (:func:`pin`), not to a second
lookup that a hostile name server could answer differently; TLS still checks
the certificate against the host name.

This module decides only which addresses are public and where to connect;
each app says in its own words why an address is refused.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings


class AddressRefused(ValueError):
    """The address is not one Marblejar sends requests to; the message says why."""


def private_allowed() -> bool:
    """Whether the administrator allows private, loopback and link-local addresses."""
    return bool(getattr(settings, "INTEGRATIONS_ALLOW_PRIVATE", False))


def is_public(address: str | ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Whether an IP address (``fe80::1%eth0`` forms too) is a public, unicast one."""
    ip = ipaddress.ip_address(address.split("%", 1)[0] if isinstance(address, str) else address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def resolve(host: str, port: int) -> list[str]:
    """The addresses ``host`` resolves to, in the resolver's order, each once.

    Raises OSError when the name cannot be looked up (a name that is not
    valid IDNA included).
    """
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except UnicodeError as e:
        raise OSError(str(e)) from None
    return list(dict.fromkeys(str(info[4][0]).split("%", 1)[0] for info in infos))


@dataclass(frozen=True)
class Pinned:
    """Where to send a request: the checked addresses, and the host name they stand for.

    ``urls`` has the URL once for each address the name resolved to, in the
    resolver's order (the next is worth trying when one cannot be reached);
    send ``host_header`` as ``Host`` and pass ``extensions`` to httpx so that
    TLS checks the certificate against the host name.
    """

    urls: tuple[str, ...]
    host_header: str
    extensions: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return self.urls[0]


def pin(url: str) -> Pinned:
    """``url`` with its host replaced by the addresses it resolves to, once checked.

    Raises OSError when the host name does not resolve, and AddressRefused
    (its message the host name, for the caller to word) when any of its
    addresses is not public, unless private ones are allowed. Only the host
    is checked here: the scheme and the rest of the address are each app's
    to check first.
    """
    parts = urlsplit(url)
    host = parts.hostname or ""
    default_port = 443 if parts.scheme == "https" else 80
    port = parts.port or default_port
    addresses = resolve(host, port)
    if not addresses:
        raise OSError(f"{host} has no address")
    if not private_allowed() and not all(is_public(a) for a in addresses):
        raise AddressRefused(host)
    urls = tuple(
        urlunsplit(
            (
                parts.scheme,
                f"[{a}]:{port}" if ":" in a else f"{a}:{port}",
                parts.path or "/",
                parts.query,
                "",
            )
        )
        for a in addresses
    )
    return Pinned(
        urls=urls,
        host_header=(f"[{host}]" if ":" in host else host)
        + ("" if port == default_port else f":{port}"),
        extensions={"sni_hostname": host} if parts.scheme == "https" else {},
    )
