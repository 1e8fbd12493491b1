from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from marblejar.test import PASSWORD

LOGIN = reverse("accounts:login")


def attempt(client: Client, email: str, password: str):
    return client.post(LOGIN, {"username": email, "password": password})


def test_it_logs_in_with_email_and_password(client, personas):
    response = attempt(client, personas.member.email, PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert client.get(reverse("accounts:profile")).status_code == 200


def test_it_accepts_the_address_in_any_case(client, personas):
    response = attempt(client, "MAX@Acme.Test", PASSWORD)
    assert response.status_code == 302


def test_it_refuses_a_wrong_password_and_keeps_the_address(client, personas):
    response = attempt(client, personas.member.email, "wrong")
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert f'value="{personas.member.email}"' in response.text


def test_it_follows_next_after_logging_in(client, personas):
    response = client.post(
        LOGIN + "?next=/account/",
        {"username": personas.member.email, "password": PASSWORD, "next": "/account/"},
    )
    assert response["Location"] == "/account/"


def test_it_refuses_an_offsite_next(client, personas):
    response = client.post(
        LOGIN,
        {"username": personas.member.email, "password": PASSWORD, "next": "https://evil.test/"},
    )
    assert response["Location"] == reverse("home")


def test_logout_needs_a_post_and_ends_the_session(client_for):
    client = client_for("member")
    assert client.get(reverse("accounts:logout")).status_code == 405
    response = client.post(reverse("accounts:logout"), follow=True)
    assert "You are logged out." in response.text
    assert client.get(reverse("accounts:profile")).status_code == 302


def test_an_inactive_account_cannot_log_in(client, personas):
    personas.member.is_active = False
    personas.member.save()
    assert attempt(client, personas.member.email, PASSWORD).status_code == 200


@pytest.mark.parametrize("limit", [5, 3])
def test_it_locks_out_after_the_failure_limit_even_with_the_right_password(
    client, personas, settings, limit
):
    settings.AXES_FAILURE_LIMIT = limit
    for _ in range(limit - 1):
        assert attempt(client, personas.member.email, "wrong").status_code == 200
    # The limit-th failure locks; from then on even the right password is refused.
    attempt(client, personas.member.email, "wrong")
    response = attempt(client, personas.member.email, PASSWORD)
    assert response.status_code == 429
    assert "Too many failed log-in attempts" in response.text
    assert reverse("accounts:password_reset") in response.text
    assert "_auth_user_id" not in client.session


def test_the_default_failure_limit_is_five(settings):
    assert settings.AXES_FAILURE_LIMIT == 5


def test_fewer_failures_than_the_limit_do_not_lock(client, personas):
    for _ in range(4):
        attempt(client, personas.member.email, "wrong")
    assert attempt(client, personas.member.email, PASSWORD).status_code == 302


def test_the_default_account_wide_failure_limit_is_twenty(settings):
    assert settings.LOGIN_ACCOUNT_FAILURE_LIMIT == 20


def test_addresses_from_forwarded_headers_are_trusted_from_nobody_by_default(settings):
    assert settings.TRUSTED_PROXIES == []
