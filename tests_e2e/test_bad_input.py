"""Mistakes people make: the form keeps what they typed and says what to fix,
and a link that no longer works explains why and what to do instead."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from marblejar.accounts.models import User
from marblejar.teams import services
from marblejar.test import PASSWORD, make_personas

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_a_too_short_password_keeps_what_was_typed_and_explains_next_to_the_field(
    live_marblejar, new_context, assert_accessible
):
    page = new_context().new_page()
    page.goto("/signup/")
    page.get_by_label("Organization name").fill("Acme")
    page.get_by_label("Your name").fill("Ana Anders")
    page.get_by_label("E-mail address").fill("ana@acme.test")
    page.get_by_label("Password").fill("short")
    page.get_by_role("button", name="Create organization").click()

    expect(page).to_have_url(re.compile(r"/signup/$"))
    expect(page.get_by_label("Organization name")).to_have_value("Acme")
    expect(page.get_by_label("Your name")).to_have_value("Ana Anders")
    expect(page.get_by_label("E-mail address")).to_have_value("ana@acme.test")

    password = page.get_by_label("Password")
    field = page.locator(".field", has=page.locator("#id_password"))
    expect(field.locator(".errorlist")).to_contain_text("This password is too short.")
    expect(field).to_have_class(re.compile(r"\bhas-error\b"))
    # The error is announced with the field, and the cursor waits there.
    expect(password).to_have_attribute("aria-invalid", "true")
    expect(password).to_have_attribute("aria-describedby", re.compile(r"\bid_password_error\b"))
    expect(password).to_be_focused()
    # Only the password is wrong: no other field shows an error.
    expect(page.locator(".field.has-error")).to_have_count(1)
    assert_accessible(page, "the sign-up form with an error")
    assert not User.objects.exists()

    password.fill(PASSWORD)
    page.get_by_role("button", name="Create organization").click()
    expect(page).to_have_url(re.compile(r"/teams/$"))
    assert User.objects.get().display_name == "Ana Anders"


def test_an_expired_invitation_explains_and_names_who_can_send_a_new_one(
    live_marblejar, new_context, assert_accessible
):
    p = make_personas()
    invitation, raw = services.invitation_create(actor=p.lead, team=p.team, send=False)
    invitation.expires_at = timezone.now() - timedelta(days=1)
    invitation.save(update_fields=["expires_at"])

    page = new_context().new_page()
    response = page.goto(f"/join/{raw}/")
    assert response is not None and response.status == 410
    expect(page.get_by_role("heading", level=1)).to_have_text("This invitation can't be used")
    expect(page.locator(".lede")).to_contain_text("This invitation expired on")
    expect(page.get_by_text("Ask Lena Lead (lena@acme.test) for a new invitation.")).to_be_visible()
    # No sign-up form for a dead link.
    expect(page.get_by_label("Password")).to_have_count(0)
    assert_accessible(page, "the expired invitation page")


def test_a_used_invitation_explains_and_offers_to_log_in(
    live_marblejar, new_context, assert_accessible
):
    p = make_personas()
    invitation, raw = services.invitation_create(actor=p.lead, team=p.team, send=False)
    newcomer = User.objects.create_user(
        "nina@acme.test", PASSWORD, display_name="Nina New", organization=p.org
    )
    services.invitation_accept(invitation=invitation, user=newcomer)

    page = new_context().new_page()
    response = page.goto(f"/join/{raw}/")
    assert response is not None and response.status == 410
    expect(page.locator(".lede")).to_have_text(
        "This invitation has already been used. Each invitation works once."
    )
    assert_accessible(page, "the used invitation page")

    # The way forward: someone who already joined logs in and lands on the team.
    page.get_by_role("link", name="log in").click()
    expect(page).to_have_url(re.compile(r"/login/"))
    assert_accessible(page, "the log-in page")
    page.get_by_label("E-mail address").fill("nina@acme.test")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/t/platform/$"))
    expect(page.locator("#members")).to_contain_text("Nina New")


def test_a_mistyped_invitation_link_says_to_check_it(
    live_marblejar, new_context, assert_accessible
):
    page = new_context().new_page()
    response = page.goto("/join/not-a-real-token/")
    assert response is not None and response.status == 404
    expect(page.locator(".lede")).to_have_text(
        "This invitation link is not valid. Check that you copied all of it."
    )
    expect(page.get_by_text("Ask the person who invited you for a new invitation.")).to_be_visible()
    assert_accessible(page, "the invalid invitation page")
