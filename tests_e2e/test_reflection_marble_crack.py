"""The jar journey: a lead goes first with a mistake and how they corrected it; a
member says thank you in a browser of their own; a marble drops in both
browsers without a reload; the member reports a crack, which reaches the lead
the next day, and the lead acknowledges it, which the member sees live too."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db.models import F
from django.utils import timezone
from playwright.sync_api import Page, expect

from marblejar.jar.models import CrackInbox, Marble
from marblejar.test import make_personas
from tests_e2e.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LIVE = 15_000  # ms to wait for something to arrive over the event stream


def mark(page: Page) -> None:
    """Leave a marker that only survives while the page is never reloaded."""
    page.evaluate("window.marblejarJourneyMarker = 'still here'")


def assert_not_reloaded(page: Page) -> None:
    assert page.evaluate("window.marblejarJourneyMarker") == "still here"


def seed_earlier_marbles(p, n: int = 23) -> None:
    """Months of earlier marbles, so the jar and its table look lived in."""
    now = timezone.now()
    for i in range(n):
        Marble.objects.create(
            organization=p.org,
            team=p.team,
            act_key=f"earlier:{i}",
            act="lesson" if i % 3 else "help",
            response="thanks" if i % 2 else "offer",
            act_by=p.member if i % 2 else p.member2,
            response_by=p.lead,
            created_at=now - timedelta(days=12 + i * 9),
        )


def test_a_lead_goes_first_a_thank_you_drops_a_marble_live_and_a_crack_is_acknowledged(
    live_marblejar, new_context, assert_accessible, screenshot_dir
):
    p = make_personas()
    seed_earlier_marbles(p)

    # The lead goes first: a mistake, and what they did to correct it.
    a = log_in(new_context(), p.lead.email)
    a.goto("/t/platform/")
    assert_accessible(a, "the team page with the jar")
    expect(a.locator("#jar-summary")).to_contain_text("The jar holds 23 marbles")
    a.locator("#reflections").get_by_role("link", name="Write a reflection").click()
    assert_accessible(a, "the choice of what to share")
    a.get_by_role("link", name="A mistake").click()
    expect(a.get_by_role("heading", level=1)).to_have_text("Mistake")
    expect(a.get_by_label("Who is it for?")).to_have_value("platform")
    a.get_by_label("Title").fill("I deployed the wrong branch")
    a.get_by_label("What happened").fill("Friday's release went out from my *feature* branch.")
    a.get_by_label("What I did to correct it").fill(
        "I rolled back within ten minutes and added a branch check to the pipeline."
    )
    a.get_by_label("What I learned").fill("Checks beat care.")
    assert_accessible(a, "the mistake form")
    a.get_by_role("button", name="Publish").click()
    expect(a.get_by_role("heading", level=1)).to_have_text("I deployed the wrong branch")
    expect(a.get_by_text("Lead, going first")).to_be_visible()
    expect(a.locator(".prose em")).to_have_text("feature")
    reflection_url = a.url
    assert_accessible(a, "the lead's reflection")

    # Both watch the team page; the member also opens the reflection.
    a.goto("/t/platform/")
    mark(a)
    member = new_context()
    b_team = log_in(member, p.member.email)
    b_team.goto("/t/platform/")
    expect(b_team.locator("#reflections")).to_contain_text("I deployed the wrong branch")
    mark(b_team)
    b = member.new_page()
    b.goto(reflection_url)
    assert_accessible(b, "the reflection, for a teammate")
    thanks = b.get_by_role("button", name=re.compile(r"^Thank you"))
    expect(thanks).to_have_attribute("aria-pressed", "false")
    # By keyboard: the swapped-in button keeps the focus.
    thanks.focus()
    b.keyboard.press("Enter")
    pressed = b.locator(f"#react-{reflection_url.rstrip('/').rsplit('/', 1)[1]}-thanks")
    expect(pressed).to_have_attribute("aria-pressed", "true")
    expect(pressed).to_be_focused()

    # The marble drops in both browsers, without a reload.
    for page in (a, b_team):
        expect(page.locator("#jar-summary")).to_contain_text(
            "The jar holds 24 marbles", timeout=LIVE
        )
        expect(page.locator("#jar-announce")).to_contain_text(
            "A marble dropped: Lena Lead shared a mistake and what they did to correct it. "
            "Max Member said thank you."
        )
        expect(page.locator("#jar-live .marble")).to_have_count(24)
        assert_not_reloaded(page)
    expect(a.locator("#jar-live .marble-new")).to_have_count(1)
    # For the README: the jar once the new marble has landed.
    a.evaluate("() => Promise.all(document.getAnimations().map(x => x.finished))")
    a.locator("#jar").screenshot(path=str(screenshot_dir / "jar.png"))
    assert_accessible(a, "the team page after a marble dropped")

    # The member reports a crack, anonymously.
    b.goto("/t/platform/cracks/")
    assert_accessible(b, "the cracks page, for a member")
    b.get_by_label("What felt disrespectful?").fill("In planning my estimate was laughed at.")
    b.get_by_role("button", name="Report anonymously").click()
    expect(b.locator(".message-success")).to_contain_text("It reaches the leads tomorrow")
    # Today nobody sees it: its time would say who had just been in the room.
    a.reload()
    expect(a.get_by_text("A crack is waiting")).to_have_count(0)
    # The next day, the day's reports reach the leads together.
    CrackInbox.objects.update(day=F("day") - timedelta(days=1))
    b.reload()
    expect(b.locator(".crack-list")).to_contain_text("waiting for a lead to acknowledge it")
    expect(b.locator(".crack-list")).not_to_contain_text("laughed at")
    b_team.reload()
    expect(b_team.locator("#jar-live")).to_contain_text("not yet acknowledged by the leads")
    mark(b_team)

    # The lead is told on the team page, reads it, and acknowledges it.
    a.reload()
    a.get_by_role("link", name="A crack is waiting for you to acknowledge it.").click()
    expect(a.locator(".crack-list")).to_contain_text("In planning my estimate was laughed at.")
    expect(a.locator(".crack-list")).not_to_contain_text("Max")
    assert_accessible(a, "the cracks page, for a lead")
    a.get_by_label("What will you do? (optional)").fill("I am sorry. Estimates are welcome here.")
    a.get_by_role("button", name="Acknowledge").click()
    expect(a.get_by_text("Acknowledged. The team sees that you did.")).to_be_visible()
    expect(a.locator(".crack-list")).to_contain_text("acknowledged on")

    # The member's team page learns of it live.
    expect(b_team.locator("#jar-live")).not_to_contain_text("not yet acknowledged", timeout=LIVE)
    expect(b_team.locator("#jar-announce")).to_contain_text("A lead acknowledged a crack.")
    assert_not_reloaded(b_team)

    # The history tells the story of the new marble.
    b.goto("/t/platform/jar/")
    first = b.locator(".marble-history li").first
    expect(first).to_contain_text(
        "Lena Lead shared a mistake and what they did to correct it: I deployed the wrong branch."
    )
    expect(first).to_contain_text("Max Member said thank you.")
    assert_accessible(b, "the jar's history")


def test_a_new_marble_stays_still_for_people_who_want_less_motion(live_marblejar, new_context):
    p = make_personas()
    page = log_in(new_context(reduced_motion="reduce"), p.member.email)
    page.goto("/t/platform/")
    mark(page)
    from marblejar.jar.services import marble_drop_by_hand

    marble_drop_by_hand(actor=p.lead, team=p.team, description="Mia asked for help in stand-up.")
    marble = page.locator("#jar-live .marble-new")
    expect(marble).to_have_count(1, timeout=LIVE)
    assert marble.evaluate("el => getComputedStyle(el).animationName") == "none"
    assert_not_reloaded(page)

    moving = log_in(new_context(reduced_motion="no-preference"), p.member2.email)
    moving.goto("/t/platform/")
    marble_drop_by_hand(actor=p.lead, team=p.team, description="Max paired with Mia.")
    marble = moving.locator("#jar-live .marble-new")
    expect(marble).to_have_count(1, timeout=LIVE)
    assert marble.evaluate("el => getComputedStyle(el).animationName") == "marble-drop"
