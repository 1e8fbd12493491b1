from __future__ import annotations

from django.test import Client
from django.urls import reverse


def test_a_missing_page_uses_our_404(client_for):
    response = client_for("member").get("/no-such-page/")
    assert response.status_code == 404
    assert "couldn&#x27;t find that page" in response.text or "find that page" in response.text
    assert 'class="skip-link"' in response.text  # our base layout
    assert reverse("home") in response.text


def test_a_forbidden_action_uses_our_403(client_for, personas):
    response = client_for("member").get(reverse("teams:organization"))
    assert response.status_code == 403
    assert "do that here" in response.text
    assert 'class="skip-link"' in response.text


def test_the_500_page_renders_without_a_request_context(db):
    from marblejar.views import server_error

    response = server_error(Client().request().wsgi_request)
    assert response.status_code == 500
    assert b"Something went wrong on our side" in response.content


def test_an_exception_in_a_view_gets_our_500(client_for, personas, monkeypatch):
    from marblejar.teams import views

    def boom(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(views.selectors, "team_list_for_user", boom)
    client = client_for("member")
    client.raise_request_exception = False
    response = client.get(reverse("teams:list"))
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.text
