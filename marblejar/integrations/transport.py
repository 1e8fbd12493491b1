"""Posting to a team's chat or webhook: short timeouts, no redirects, public addresses only.

An integration's address is typed by a lead, and the server then sends
requests to it: without care, that lets anyone who leads a team make the
server reach into the company network or the cloud's metadata service (SSRF).
So every address the host name resolves to must be a public one (unless
``MARBLEJAR_INTEGRATIONS_ALLOW_PRIVATE`` allows private ones), and the request
goes to the address that was checked, not to a second lookup an attacker's
DNS could answer differently; TLS still verifies the certificate against the
host name (the guard itself is shared: :mod:`marblejar.lib.addresses`).
Redirects are not followed, proxies from the environment are not used, and
only the start of an error answer is read.
"""

from __future__ import annotations

import ipaddress
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from django.utils.translation import gettext as _

from marblejar.lib.addresses import AddressRefused, is_public, pin, private_allowed

if TYPE_CHECKING:
    import httpx

# 3 s to connect, 5 s for the rest (httpx's order: connect, read, write,
# pool). httpx is imported by the first delivery, not by every process's start.
TIMEOUT: Any = (3.0, 5.0, 5.0, 5.0)
USER_AGENT = "Marblejar-Webhooks/1"
# Enough of an error answer to say what went wrong ("invalid_token").
ERROR_PEEK = 120
# Addresses of one host name tried in turn when the first cannot be reached.
MAX_ADDRESSES = 3


def check_url(url: str) -> str:
    """The address cleaned, or AddressRefused saying why it cannot be used.

    Checks what can be checked without the network; the addresses a host
    name resolves to are checked again at every delivery (:func:`post`).
    """
    url = (url or "").strip()
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise AddressRefused(_("This is not a web address.")) from None
    allowed = {"https", "http"} if private_allowed() else {"https"}
    if parts.scheme not in allowed or not parts.hostname:
        raise AddressRefused(_("Give the full address, starting with https://."))
    if parts.username or parts.password:
        raise AddressRefused(_("An address with a user name or password in it is not accepted."))
    if port is not None and not 0 < port < 65536:
        raise AddressRefused(_("This is not a web address."))
    if len(url) > 2000:
        raise AddressRefused(_("This address is too long."))
    host = parts.hostname
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None and not private_allowed() and not is_public(literal):
        raise AddressRefused(_("Marblejar posts only to public addresses."))
    if host in {"localhost", "localhost.localdomain"} and not private_allowed():
        raise AddressRefused(_("Marblejar posts only to public addresses."))
    return url


def url_hint(url: str) -> str:
    """What the page shows of an address: its host and last four characters."""
    parts = urlsplit(url)
    return f"{parts.hostname} …{url[-4:]}" if len(url) > 12 else f"{parts.hostname} …"


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    ok: bool
    # Worth trying again: the receiver may be back later (timeouts, 5xx, 429).
    retry: bool
    error: str
    duration_ms: int


def _answer(response: httpx.Response, outcome: Any) -> Outcome:
    code = response.status_code
    if 200 <= code < 300:
        return outcome(code, True, False, "")
    peek = b""
    for chunk in response.iter_bytes():
        peek += chunk
        if len(peek) >= ERROR_PEEK:
            break
    said = peek[:ERROR_PEEK].decode("utf-8", "replace").strip()
    error = f"HTTP {code}" + (f": {said}" if said else "")
    return outcome(code, False, code >= 500 or code in {408, 425, 429}, error)


def post(url: str, *, body: bytes, headers: dict[str, str]) -> Outcome:
    """POST ``body`` to ``url`` once; never raises for what the network or receiver does."""
    started = time.monotonic()

    def outcome(code: int | None, ok: bool, retry: bool, error: str) -> Outcome:
        took = int((time.monotonic() - started) * 1000)
        return Outcome(code, ok, retry, error[:200], took)

    try:
        url = check_url(url)
    except AddressRefused as e:
        return outcome(None, False, False, str(e))
    host = urlsplit(url).hostname or ""
    try:
        target = pin(url)
    except AddressRefused:
        return outcome(None, False, False, _("Marblejar posts only to public addresses."))
    except OSError:
        return outcome(
            None, False, True, _("The host name %(host)s was not found.") % {"host": host}
        )
    import httpx

    request_headers = {**headers, "Host": target.host_header, "User-Agent": USER_AGENT}
    urls = target.urls[:MAX_ADDRESSES]
    try:
        with httpx.Client(timeout=TIMEOUT, follow_redirects=False, trust_env=False) as client:
            # Each address that was checked, in the resolver's order, until one connects
            # (a host with an IPv6 address this server cannot reach has an IPv4 one too).
            for i, pinned in enumerate(urls):
                try:
                    with client.stream(
                        "POST",
                        pinned,
                        content=body,
                        headers=request_headers,
                        extensions=target.extensions,
                    ) as response:
                        return _answer(response, outcome)
                except httpx.ConnectError:
                    if i == len(urls) - 1:
                        raise
            raise httpx.ConnectError("no address to connect to")
    except httpx.TimeoutException:
        return outcome(None, False, True, _("No answer within %(s)s seconds.") % {"s": 5})
    except httpx.HTTPError as e:
        return outcome(None, False, True, type(e).__name__ + (f": {e}" if str(e) else ""))
