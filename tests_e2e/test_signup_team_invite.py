"""The first journey: the first person signs up, creates a team and invites by link;
the invitee joins, and the lead sees it happen live without reloading: in the news,
the People list and the invitations waiting to join."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from marblejar.test import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_the_skip_link_is_the_first_tab_stop_and_moves_focus_to_main(
    live_marblejar, new_context, assert_accessible
):
    page = new_context().new_page()
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/signup/$"))
    assert_accessible(page, "the sign-up page")

    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()


def test_first_person_creates_a_team_invites_by_link_and_sees_the_join_live(
    live_marblejar, new_context, assert_accessible, screenshot_dir
):
    # A: the first person here creates the organization.
    lead_context = new_context()
    lead_context.grant_permissions(["clipboard-read", "clipboard-write"])
    a = lead_context.new_page()
    a.goto("/")
    expect(a).to_have_url(re.compile(r"/signup/$"))
    expect(a.get_by_role("heading", level=1)).to_have_text("Welcome to Marblejar")
    assert_accessible(a, "the first sign-up page")
    a.get_by_label("Organization name").fill("Acme")
    a.get_by_label("Your name").fill("Lena Lead")
    a.get_by_label("E-mail address").fill("lena@acme.test")
    a.get_by_label("Password").fill(PASSWORD)
    a.get_by_role("button", name="Create organization").click()

    # No team yet: the teams page offers to create the first one.
    expect(a).to_have_url(re.compile(r"/teams/$"))
    expect(a.get_by_role("heading", name="Create your first team")).to_be_visible()
    assert_accessible(a, "the empty teams page")
    a.get_by_label("Team name").fill("Platform")
    a.get_by_label("What this team does").fill("We keep the lights on.")
    a.get_by_role("button", name="Create team").click()

    expect(a).to_have_url(re.compile(r"/t/platform/$"))
    expect(a.get_by_role("heading", level=1)).to_have_text("Platform")
    expect(a.locator("#members")).to_contain_text("Lena Lead")
    assert_accessible(a, "the new team's page")

    # Invite by link: leave the e-mail address empty.
    invite = a.locator("#invite-section")
    invite.get_by_label("Role").select_option("member")
    invite.get_by_role("button", name="Invite", exact=True).click()
    link_shown = a.locator("#invite-link")
    expect(link_shown).to_contain_text("/join/")
    invite.get_by_role("button", name="Copy link").click()
    expect(a.locator("#invite-copy-status")).to_have_text("Copied to the clipboard.")
    link = a.evaluate("navigator.clipboard.readText()").strip()
    assert link == link_shown.inner_text().strip()
    assert link.startswith(f"{live_marblejar.url}/join/")
    assert_accessible(a, "the team page with an invitation link")

    # The link waits to be used.
    pending = a.locator("#invite-section")
    expect(pending).to_contain_text("Waiting to join")
    expect(pending).to_contain_text("Invitation link")
    expect(a.locator("#members li")).to_have_count(1)

    # Mark this page so we can tell later that it was never reloaded.
    a.evaluate("window.marblejarJourneyMarker = 'still here'")

    # B: the invitee opens the link in a browser of their own.
    b = new_context().new_page()
    b.goto(link)
    expect(b.get_by_role("heading", level=1)).to_have_text("Join Platform")
    expect(b.get_by_text("Lena Lead invited you to Acme on Marblejar.")).to_be_visible()
    assert_accessible(b, "the join page")
    b.get_by_label("Your name").fill("Nina New")
    b.get_by_label("E-mail address").fill("nina@acme.test")
    b.get_by_label("Password").fill(PASSWORD)
    b.get_by_role("button", name="Create account and join").click()

    expect(b).to_have_url(re.compile(r"/t/platform/$"))
    people = b.locator("#members")
    expect(people.locator("li")).to_have_count(2)
    expect(people).to_contain_text("Lena Lead")
    expect(people).to_contain_text("Nina New")
    assert_accessible(b, "the team page as the new member")

    # A, still on the team page, sees the join arrive over the event stream:
    # in the news, in the People list (with a lead's tools for Nina), and the
    # used link no longer waiting to join.
    expect(a.locator("#live-feed")).to_contain_text("Nina New joined the team.", timeout=15_000)
    expect(a.locator("#members li")).to_have_count(2)
    expect(a.locator("#members-h")).to_contain_text("(2)")
    nina_row = a.locator("#members li", has_text="Nina New")
    expect(nina_row.get_by_role("button", name="Make lead Nina New")).to_be_visible()
    expect(pending).not_to_contain_text("Invitation link")
    expect(pending).not_to_contain_text("Waiting to join")
    assert a.evaluate("window.marblejarJourneyMarker") == "still here"
    assert_accessible(a, "the team page with live news")
    # The picture for the README: the lead's team page with both people and the news.
    a.screenshot(path=screenshot_dir / "team-page.png", full_page=True)

    # B, without reloading, sees A make her a lead; A sees her leave.
    b.evaluate("window.marblejarJourneyMarker = 'still here'")
    nina_row.get_by_role("button", name="Make lead Nina New").click()
    expect(a.locator("#members li", has_text="Nina New").locator(".badge")).to_have_text("lead")
    a.evaluate("window.marblejarJourneyMarker = 'still here'")
    expect(b.locator("#members li", has_text="Nina New").locator(".badge")).to_have_text(
        "lead", timeout=15_000
    )
    assert b.evaluate("window.marblejarJourneyMarker") == "still here"
    b.on("dialog", lambda dialog: dialog.accept())
    b.locator("#members").get_by_role("button", name="Leave team").click()
    expect(b).not_to_have_url(re.compile(r"/t/platform/$"))
    expect(a.locator("#members li")).to_have_count(1, timeout=15_000)
    expect(a.locator("#members")).not_to_contain_text("Nina New")
    assert a.evaluate("window.marblejarJourneyMarker") == "still here"
