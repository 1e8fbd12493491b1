"""`marblejar serve` as an operator runs it: the address it serves, its processes."""

from __future__ import annotations

import re

import httpx
import pytest

from conftest import start_server
from marblejar.realtime.tests.test_sse import login
from marblejar.test import make_personas

pytestmark = pytest.mark.slow


@pytest.fixture
def fast_password_hashing() -> None:
    """The server process checks passwords with the real settings."""


def test_invitation_links_carry_the_port_actually_served(transactional_db, tmp_path):
    p = make_personas()
    # No MARBLEJAR_SITE_URL, as after `make run PORT=…`.
    server = start_server(tmp_path, extra_env={"MARBLEJAR_SITE_URL": ""})
    try:
        lead = login(server, p.lead.email)
        response = lead.post(
            f"/t/{p.team.slug}/invite/",
            data={"email": "", "role": "member", "csrfmiddlewaretoken": lead.cookies["csrftoken"]},
            headers={"Referer": f"{server.url}/t/{p.team.slug}/"},
        )
        assert response.status_code == 200
        link = re.search(r'id="invite-link">([^<]+)<', response.text).group(1)
        assert link.startswith(f"http://127.0.0.1:{server.port}/join/"), link
        # The link works on that server.
        assert httpx.get(link, timeout=10).status_code == 200
    finally:
        server.stop()


def test_the_site_url_setting_wins_over_the_served_address(transactional_db, tmp_path):
    p = make_personas()
    server = start_server(tmp_path, extra_env={"MARBLEJAR_SITE_URL": "https://jar.example.com"})
    try:
        lead = login(server, p.lead.email)
        response = lead.post(
            f"/t/{p.team.slug}/invite/",
            data={"email": "", "role": "member", "csrfmiddlewaretoken": lead.cookies["csrftoken"]},
            headers={"Referer": f"{server.url}/t/{p.team.slug}/"},
        )
        assert 'id="invite-link">https://jar.example.com/join/' in response.text
    finally:
        server.stop()
