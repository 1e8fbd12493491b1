"""Log-in throttling on a real `marblejar serve`, as an attacker reaches it.

Every request comes from loopback. An attacker who can send
``X-Forwarded-For`` (anyone who reaches the port, or a proxy that passes the
header through) must not be able to choose the address the throttle counts,
and must not get more guesses at one account by rotating addresses.
"""

from __future__ import annotations

import itertools

import httpx
import pytest

from conftest import Server, start_server
from marblejar.test import PASSWORD, make_personas

pytestmark = pytest.mark.slow

_addresses = (f"198.51.100.{n}" for n in itertools.count(1))


@pytest.fixture
def fast_password_hashing() -> None:
    """The server process hashes with the real settings: keep them for the personas."""


def throttled_server(tmp_path, **env: str) -> Server:
    return start_server(
        tmp_path,
        extra_env={
            "MARBLEJAR_LOGIN_THROTTLING": "1",
            "MARBLEJAR_LOGIN_FAILURE_LIMIT": "5",
            "MARBLEJAR_LOGIN_ACCOUNT_FAILURE_LIMIT": "10",
            **env,
        },
    )


def attempt(
    server: Server, email: str, password: str, *, forwarded_for: str | None, browser=None
) -> httpx.Response:
    client = browser or httpx.Client(base_url=server.url, timeout=10)
    client.get("/login/")
    headers = {"Referer": f"{server.url}/login/"}
    if forwarded_for:
        headers["X-Forwarded-For"] = forwarded_for
    return client.post(
        "/login/",
        data={
            "username": email,
            "password": password,
            "csrfmiddlewaretoken": client.cookies["csrftoken"],
        },
        headers=headers,
    )


def test_rotating_forwarded_for_from_an_untrusted_client_gets_no_more_guesses(
    transactional_db, tmp_path
):
    p = make_personas()
    server = throttled_server(tmp_path)  # no trusted proxies: the default
    try:
        for _ in range(4):
            wrong = attempt(server, p.member.email, "wrong", forwarded_for=next(_addresses))
            assert wrong.status_code == 200
        # The fifth failure locks: the header is ignored, all five came from 127.0.0.1.
        attempt(server, p.member.email, "wrong", forwarded_for=next(_addresses))
        right = attempt(server, p.member.email, PASSWORD, forwarded_for=next(_addresses))
        assert right.status_code == 429, "a rotated X-Forwarded-For bought another guess"
    finally:
        server.stop()


def test_a_configured_proxys_forwarded_for_is_honoured(transactional_db, tmp_path):
    p = make_personas()
    server = throttled_server(tmp_path, MARBLEJAR_TRUSTED_PROXIES="127.0.0.1/32,::1")
    try:
        attacker = "203.0.113.9"
        for _ in range(5):
            attempt(server, p.member.email, "wrong", forwarded_for=attacker)
        locked = attempt(server, p.member.email, PASSWORD, forwarded_for=attacker)
        assert locked.status_code == 429
        # The owner, somewhere else behind the same proxy, is not locked out.
        owner = attempt(server, p.member.email, PASSWORD, forwarded_for="192.0.2.44")
        assert owner.status_code == 302, owner.text[-3000:]
    finally:
        server.stop()


def test_rotating_addresses_through_a_trusted_proxy_meets_the_account_limit(
    transactional_db, tmp_path
):
    p = make_personas()
    server = throttled_server(tmp_path, MARBLEJAR_TRUSTED_PROXIES="127.0.0.1")
    try:
        # The owner signed in from this browser before the attack.
        owners_browser = httpx.Client(base_url=server.url, timeout=10)
        before = attempt(
            server, p.member.email, PASSWORD, forwarded_for="192.0.2.44", browser=owners_browser
        )
        assert before.status_code == 302
        owners_browser.post(
            "/logout/",
            data={"csrfmiddlewaretoken": owners_browser.cookies["csrftoken"]},
            headers={"Referer": f"{server.url}/"},
        )

        # Ten failures from ten addresses: under the per-address limit each time.
        for _ in range(10):
            wrong = attempt(server, p.member.email, "wrong", forwarded_for=next(_addresses))
            assert wrong.status_code == 200
        # The eleventh guess, from yet another address, is refused untried,
        # even with the right password.
        refused = attempt(server, p.member.email, PASSWORD, forwarded_for=next(_addresses))
        assert refused.status_code == 429
        assert "browsers it has not been used in before" in refused.text

        # The owner's own browser still gets in, from its usual address.
        again = attempt(
            server, p.member.email, PASSWORD, forwarded_for="192.0.2.44", browser=owners_browser
        )
        assert again.status_code == 302
        # Another account is untouched.
        other = attempt(server, p.member2.email, PASSWORD, forwarded_for=next(_addresses))
        assert other.status_code == 302
    finally:
        server.stop()
