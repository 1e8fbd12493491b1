from __future__ import annotations

import itertools
import re

import pytest
from django.template import engines
from django.test import Client, RequestFactory

from marblejar.lib.fragments import CSRF_STAND_IN
from marblejar.teams.models import Membership, Role

LOGOUT_TOKEN = re.compile(
    r'action="/logout/"[^>]*>\s*<input type="hidden" name="csrfmiddlewaretoken" '
    r'value="([^"]+)"'
)


def render(source: str, **context) -> str:
    request = RequestFactory().get("/")
    return engines["django"].from_string(source).render(context, request=request)


def test_a_kept_piece_is_drawn_once_while_its_values_are_the_same():
    counter = itertools.count()
    source = '{% kept "piece" v %}{{ n }}{% endkept %}'
    drawn = [render(source, v=v, n=lambda: next(counter)) for v in (1, 1, 2, 1)]
    assert drawn == ["0", "0", "1", "0"]


def test_a_kept_piece_takes_plain_values_only(personas):
    with pytest.raises(TypeError, match="plain values"):
        render('{% kept "piece" u %}x{% endkept %}', u=personas.member)
    assert render('{% kept "piece" u %}x{% endkept %}', u=[{"a": 1, "b": (2, None)}]) == "x"


def test_the_header_follows_what_it_shows(client_for, personas):
    client = client_for("member")
    page = client.get("/t/platform/").content.decode()
    assert "Your teams" in page and ">Product<" not in page
    assert 'class="bell-count"' not in page
    Membership.objects.create(
        organization=personas.org, team=personas.other_team, user=personas.member, role=Role.MEMBER
    )
    personas.member.refresh_from_db()
    type(personas.member).objects.filter(pk=personas.member.pk).update(unread_notifications=3)
    page = client.get("/t/platform/").content.decode()
    assert ">Product<" in page
    assert '<span class="bell-count">3</span>' in page
    # The team shown is marked in the switcher, on each team's page.
    assert re.search(r'href="/t/product/" aria-current="page"', client.get("/t/product/").text)
    assert not re.search(r'href="/t/product/" aria-current="page"', client.get("/t/platform/").text)


def test_each_person_gets_their_own_header(client_for):
    admin, member = client_for("admin"), client_for("member")
    for _ in range(2):
        assert "People and settings" in admin.get("/account/").text
        assert "People and settings" not in member.get("/account/").text
        assert ">Platform<" in member.get("/account/").text
        assert ">Platform<" not in admin.get("/account/").text


def test_the_log_out_form_in_a_kept_header_carries_each_pages_own_token(personas):
    client = Client(enforce_csrf_checks=True)
    client.force_login(personas.member)
    first = client.get("/t/platform/").text
    second = client.get("/t/platform/").text
    tokens = [LOGOUT_TOKEN.search(page).group(1) for page in (first, second)]
    assert tokens[0] != tokens[1]  # masked for each response
    assert CSRF_STAND_IN not in first + second
    assert client.post("/logout/", {"csrfmiddlewaretoken": tokens[1]}).status_code == 302
    assert client.get("/t/platform/").status_code == 302  # logged out: sent to log in


def test_the_organization_menu_marks_the_page_shown(client_for):
    admin = client_for("admin")
    assert 'href="/organization/" aria-current="page"' in admin.get("/organization/").text
    assert 'href="/organization/" aria-current="page"' not in admin.get("/account/").text
