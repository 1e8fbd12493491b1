"""Which addresses Marblejar may send a request to on a team's behalf.

A tracker's base URL is typed by a lead. Without a check, it could point the
server at itself or at the private network it runs in (a metadata service, a
database's HTTP port) and read what comes back in the error message: a
server-side request forgery. Private, loopback, link-local and other
non-public addresses are therefore refused, when the tracker is connected and
again before every request (a name can be made to resolve elsewhere later),
unless ``MARBLEJAR_INTEGRATIONS_ALLOW_PRIVATE`` is set: for a GitLab or GitHub
Enterprise inside the company network, and for the tests' loopback trackers.

A request goes to the address that was checked (:func:`pin`), not to a second
lookup that a hostile name server could answer differently; TLS still checks
the certificate against the host name.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.utils.translation import gettext as _


class AddressRefused(ValueError):
    """The address is not one Marblejar sends requests to; the message says why."""


def private_allowed() -> bool:
    return bool(getattr(settings, "INTEGRATIONS_ALLOW_PRIVATE", False))


def _is_public(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def host_of(url: str) -> str:
    return urlsplit(url).hostname or ""


def check_url(url: str, *, resolve: bool = True, must_resolve: bool = False) -> None:
    """Refuse ``url`` unless it is http(s) to a public address (or private ones are allowed).

    With ``resolve``, the host name is looked up and every address it has
    must be public. A name that does not resolve is refused only with
    ``must_resolve`` (before a request: it could not be reached anyway).
    """
    parts = urlsplit(url)
    host = parts.hostname or ""
    allowed = private_allowed()
    if parts.scheme not in ("http", "https") or not host:
        raise AddressRefused(_("Give an address that starts with https://."))
    if parts.username or parts.password:
        raise AddressRefused(_("Leave the user name and password out of the address."))
    if allowed:
        return
    _check_host(host, parts.port, resolve=resolve, must_resolve=must_resolve)
    if parts.scheme == "http":
        raise AddressRefused(_("Give an address that starts with https://."))


def _check_host(host: str, port: int | None, *, resolve: bool, must_resolve: bool) -> None:
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None:
        if not _is_public(literal):
            raise AddressRefused(_refused(host))
        return
    if host == "localhost" or host.endswith((".localhost", ".local", ".internal")):
        raise AddressRefused(_refused(host))
    if not resolve:
        return
    try:
        infos = socket.getaddrinfo(host, port or 443, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError):
        if must_resolve:
            raise AddressRefused(
                _("Could not reach %(host)s, try again.") % {"host": host}
            ) from None
        return
    for info in infos:
        ip = ipaddress.ip_address(info[4][0].split("%")[0])
        if not _is_public(ip):
            raise AddressRefused(_refused(host))


def _refused(host: str) -> str:
    return _(
        "%(host)s is a private or local address; Marblejar sends nothing there unless "
        "the administrator sets MARBLEJAR_INTEGRATIONS_ALLOW_PRIVATE."
    ) % {"host": host}


@dataclass(frozen=True)
class Pinned:
    """Where to send a request: the checked address, and the host name it stands for."""

    url: str
    host_header: str
    extensions: dict[str, str] = field(default_factory=dict)


def pin(url: str) -> Pinned:
    """``url`` with its host replaced by an address it resolves to, once checked.

    Raises AddressRefused with a sentence: a private address (unless
    allowed), or a name that does not resolve ("could not reach").
    """
    check_url(url, resolve=False)
    parts = urlsplit(url)
    host = parts.hostname or ""
    default_port = 443 if parts.scheme == "https" else 80
    port = parts.port or default_port
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise AddressRefused(_("Could not reach %(host)s, try again.") % {"host": host}) from None
    addresses = list(dict.fromkeys(str(info[4][0]).split("%")[0] for info in infos))
    if not private_allowed() and not all(_is_public(ipaddress.ip_address(a)) for a in addresses):
        raise AddressRefused(_refused(host))
    ip = addresses[0]
    netloc = f"[{ip}]:{port}" if ":" in ip else f"{ip}:{port}"
    return Pinned(
        url=urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, "")),
        host_header=host if port == default_port else f"{host}:{port}",
        extensions={"sni_hostname": host} if parts.scheme == "https" else {},
    )
