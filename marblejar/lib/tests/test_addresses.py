"""The guard against server-side request forgery shared by chat integrations and trackers.

Every address either app refused in its own tests is refused here by both,
and by the shared check underneath.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import httpx
import pytest

from marblejar.integrations import transport
from marblejar.lib import addresses
from marblejar.lib.addresses import AddressRefused
from marblejar.trackers import clients

# What the integrations' and the trackers' tests each sent, all refused by both.
REFUSED_URLS = [
    "http://hooks.example.org/x",
    "https://127.0.0.1/hook",
    "https://10.0.0.8/hook",
    "https://169.254.169.254/latest/meta-data",
    "https://[::1]/hook",
    "https://localhost/hook",
    "https://user:pw@example.org/hook",
    "http://127.0.0.1:8000",
    "https://127.0.0.1",
    "https://10.0.0.5",
    "https://169.254.169.254",
    "https://[::1]",
    "https://localhost",
    "https://[::ffff:192.168.1.1]",
    "ftp://github.example.com",
    "https://user:pw@github.example.com",
]
PRIVATE_ADDRESSES = [
    "127.0.0.1",
    "10.0.0.5",
    "10.0.0.8",
    "192.168.1.1",
    "169.254.169.254",
    "::1",
    "::ffff:192.168.1.1",
    "::ffff:127.0.0.1",
    "fe80::1%eth0",
    "fc00::1",
    "224.0.0.1",
    "0.0.0.0",
]


@pytest.mark.parametrize("address", PRIVATE_ADDRESSES)
def test_private_loopback_link_local_and_multicast_addresses_are_not_public(address):
    assert not addresses.is_public(address)
    assert not addresses.is_public(ipaddress.ip_address(address.split("%")[0]))


@pytest.mark.parametrize("address", ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"])
def test_public_addresses_are_public(address):
    assert addresses.is_public(address)


def test_private_addresses_are_allowed_only_by_the_setting(settings):
    settings.INTEGRATIONS_ALLOW_PRIVATE = False
    assert not addresses.private_allowed()
    settings.INTEGRATIONS_ALLOW_PRIVATE = True
    assert addresses.private_allowed()


@pytest.mark.parametrize("url", REFUSED_URLS)
def test_both_apps_refuse_private_and_odd_addresses_unless_allowed(settings, url):
    settings.INTEGRATIONS_ALLOW_PRIVATE = False
    with pytest.raises(AddressRefused) as integration:
        transport.check_url(url)
    with pytest.raises(AddressRefused) as tracker:
        clients.check_url(url)
    # Each says why in its own words.
    assert str(integration.value) and str(tracker.value)


# Those refused for their address rather than for their scheme or user name.
@pytest.mark.parametrize(
    "url", [u for u in REFUSED_URLS if "example" not in u and urlsplit(u).scheme == "https"]
)
def test_the_addresses_themselves_are_refused_when_pinned(settings, url):
    settings.INTEGRATIONS_ALLOW_PRIVATE = False
    with pytest.raises(AddressRefused):
        addresses.pin(url)
    settings.INTEGRATIONS_ALLOW_PRIVATE = True
    assert addresses.pin(url).urls


def test_a_public_address_is_accepted(settings):
    settings.INTEGRATIONS_ALLOW_PRIVATE = False
    url = "https://93.184.215.14/api/v3"
    clients.check_url(url)
    assert transport.check_url(url) == url
    pinned = addresses.pin(url)
    assert pinned.urls == ("https://93.184.215.14:443/api/v3",)
    assert (pinned.host_header, pinned.extensions) == (
        "93.184.215.14",
        {"sni_hostname": "93.184.215.14"},
    )


def test_a_host_name_resolving_to_a_private_address_is_refused_when_pinned(settings):
    """The check when an address is saved cannot see where a name points; the pin can."""
    settings.INTEGRATIONS_ALLOW_PRIVATE = False
    host = socket.gethostname()  # this machine: a loopback or private address
    found = {info[4][0] for info in socket.getaddrinfo(host, 443)}
    if not found or any(ipaddress.ip_address(a).is_global for a in found):
        pytest.skip("this machine's name resolves to a public address here")
    url = f"https://{host}/hook"
    assert transport.check_url(url) == url
    with pytest.raises(AddressRefused):
        addresses.pin(url)
    outcome = transport.post(url, body=b"{}", headers={})
    assert (outcome.ok, outcome.retry, outcome.status_code) == (False, False, None)
    assert outcome.error == "Marblejar posts only to public addresses."


def test_a_name_that_does_not_resolve_cannot_be_pinned(settings):
    settings.INTEGRATIONS_ALLOW_PRIVATE = True
    with pytest.raises(OSError):
        addresses.pin("https://nothing-here.invalid/hook")
    with pytest.raises(OSError):
        addresses.pin(f"https://{'a' * 64}.example/hook")  # not a valid name either


def test_the_pinned_address_is_dialled_while_the_host_header_and_tls_name_the_host(settings):
    settings.INTEGRATIONS_ALLOW_PRIVATE = True
    hosts: list[str] = []

    class Answer(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            hosts.append(self.headers["Host"])
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Answer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    try:
        pinned = addresses.pin(f"http://localhost:{port}/ping?x=1")
        v4 = f"http://127.0.0.1:{port}/ping?x=1"
        assert v4 in pinned.urls and all(urlsplit(u).hostname != "localhost" for u in pinned.urls)
        assert (pinned.host_header, pinned.extensions) == (f"localhost:{port}", {})
        with httpx.Client(trust_env=False) as http:
            response = http.get(v4, headers={"Host": pinned.host_header})
    finally:
        server.shutdown()
        server.server_close()
    assert response.status_code == 204
    assert hosts == [f"localhost:{port}"]
    secure = addresses.pin("https://localhost/hook")
    assert (secure.host_header, secure.extensions) == ("localhost", {"sni_hostname": "localhost"})
    assert all(u.endswith(":443/hook") for u in secure.urls)


def test_ipv6_addresses_are_bracketed_in_the_pinned_address(settings):
    settings.INTEGRATIONS_ALLOW_PRIVATE = True
    pinned = addresses.pin("https://[::1]:8443/x")
    assert pinned.urls == ("https://[::1]:8443/x",)
    assert pinned.host_header == "[::1]:8443"
