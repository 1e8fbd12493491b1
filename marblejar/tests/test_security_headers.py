from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from marblejar.test import PASSWORD


@pytest.mark.parametrize("url", ["/login/", "/api/v1/docs"])
def test_pages_send_the_security_headers(client, db, url):
    response = client.get(url)
    csp = response["Content-Security-Policy"]
    directives = dict((d.strip().split(" ", 1) + [""])[:2] for d in csp.split(";") if d.strip())
    assert "'unsafe-inline'" not in directives["script-src"]
    assert "'unsafe-eval'" not in directives["script-src"]
    assert "'unsafe-inline'" not in directives.get("style-src", "")
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_pages_have_no_inline_scripts_or_styles(client_for, personas):
    for url in ("/login/", "/t/platform/", "/account/", "/teams/", "/organization/"):
        client = client_for("admin" if url == "/organization/" else "lead")
        text = client.get(url, follow=True).text
        assert "<script>" not in text and "<script " not in text.replace("<script src=", ""), url
        assert " style=" not in text, url
        assert "<style" not in text, url


def test_cookies_are_secure_and_http_only_with_https_settings(db, personas, settings):
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    settings.SECURE_HSTS_SECONDS = 31536000
    client = Client()
    page = client.get("/login/", secure=True)
    assert page.cookies["csrftoken"]["secure"]
    response = client.post(
        "/login/", {"username": personas.member.email, "password": PASSWORD}, secure=True
    )
    cookie = response.cookies["sessionid"]
    assert cookie["secure"]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"
    assert page["Strict-Transport-Security"].startswith("max-age=31536000")


def test_without_https_settings_cookies_still_are_http_only(client, personas):
    response = client.post(
        reverse("accounts:login"), {"username": personas.member.email, "password": PASSWORD}
    )
    assert response.cookies["sessionid"]["httponly"]
