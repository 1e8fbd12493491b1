"""Hearing back: a member thanks the lead for going first; the lead's reflection page
shows the thank-you and the marble without a reload, and both of them see their
bell count rise live, then read what it says on the notifications page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from marblejar.reflections import services
from marblejar.reflections.models import Kind
from marblejar.test import make_personas
from tests_e2e.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LIVE = 15_000  # ms to wait for something to arrive over the event stream


def test_a_thank_you_reaches_both_people_live(
    live_marblejar, new_context, assert_accessible, screenshot_dir
):
    p = make_personas()
    reflection = services.reflection_create(
        author=p.lead,
        team=p.team,
        kind=Kind.MISTAKE,
        title="I merged without the review",
        what_happened="The change broke the nightly export.",
        correction="I reverted it and paired on the fix.",
        publish=True,
    )
    url = reflection.get_absolute_url()

    lead = log_in(new_context(), p.lead.email)
    lead.goto(url)
    lead.evaluate("window.stillHere = true")
    expect(lead.locator(".bell-count")).to_have_count(0)
    member = log_in(new_context(), p.member.email)
    member.goto(url)
    member.evaluate("window.stillHere = true")
    assert_accessible(member, "the reflection, before anyone responded")

    member.get_by_role("button", name=re.compile(r"^Thank you")).click()

    # The lead's page follows: the reaction, the marble, and the bell.
    reactions = lead.locator(f"#reactions-{reflection.pk}")
    expect(reactions.locator(".count")).to_have_text("1", timeout=LIVE)
    expect(reactions).to_contain_text("This met respect: a marble dropped", timeout=LIVE)
    expect(lead.locator(".bell-count")).to_have_text("2", timeout=LIVE)
    # The member hears that their thank-you dropped the marble.
    expect(member.locator(".bell-count")).to_have_text("1", timeout=LIVE)
    assert lead.evaluate("window.stillHere") and member.evaluate("window.stillHere")
    assert_accessible(lead, "the reflection after the thank-you arrived")

    # A comment appears on the lead's page too.
    member.get_by_label("Your comment").fill("Thanks for saying so; it helps me too.")
    member.get_by_role("button", name="Respond").click()
    expect(lead.locator(f"#responses-{reflection.pk}")).to_contain_text(
        "it helps me too", timeout=LIVE
    )
    expect(lead.locator(".bell-count")).to_have_text("3", timeout=LIVE)

    lead.locator(".bell").click()
    expect(lead.get_by_role("heading", level=1)).to_have_text("Notifications")
    items = lead.locator(".notification-list")
    expect(items).to_contain_text(
        "Max Member said thank you when you shared “I merged without the review”"
    )
    expect(items).to_contain_text("Max Member commented on your reflection")
    assert_accessible(lead, "the notifications page")
    lead.screenshot(path=str(screenshot_dir / "notifications.png"), full_page=True)
    lead.set_viewport_size({"width": 390, "height": 844})
    assert_accessible(lead, "the notifications page on a phone")
    lead.screenshot(path=str(screenshot_dir / "notifications-phone.png"), full_page=True)
    lead.get_by_role("link", name="Choose what you hear about").click()
    assert_accessible(lead, "the notification preferences on a phone")
    lead.screenshot(path=str(screenshot_dir / "notification-preferences-phone.png"), full_page=True)
    lead.set_viewport_size({"width": 1280, "height": 800})
    lead.screenshot(path=str(screenshot_dir / "notification-preferences.png"), full_page=True)
    lead.go_back()
    lead.get_by_role("button", name="Mark all as read").click()
    expect(lead.locator(".bell-count")).to_have_count(0)

    member.locator(".bell").click()
    expect(member.locator(".notification-list")).to_contain_text(
        "You said thank you when Lena Lead shared “I merged without the review”"
    )
    member.get_by_role("link", name=re.compile("You said thank you")).click()
    expect(member).to_have_url(re.compile(re.escape(url)))
