"""An incident debrief on the board, at 1280×800 and at 390×844.

It starts from the timeline: Lena puts the events on it before the start,
and the timeline stays at the top of the board in every phase. Max attaches
what he knew, and why it made sense, to an event; it stays his alone until
the reveal, then sits under that event for everyone. Lena skips grouping and
voting, the team names a contributing factor as a card, and the summary
tells the incident as a story in order of time.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from marblejar.reviews.tests.helpers import schedule
from marblejar.test import make_personas
from tests_e2e.conftest import log_in
from tests_e2e.test_retrospective_board import (
    LIVE,
    SIZES,
    act,
    advance,
    no_sideways_scroll,
    phase_is,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.browsers("chromium", "firefox")]

SENSE = "The dashboard was green, so waiting for a second alert made sense"
FACTOR = "The standby's health check never tested writes"
EVENTS = (
    ("2026-03-01T14:20", "Failover to the standby began"),
    ("2026-03-01T14:02", "Latency alert fired"),
    ("2026-03-01T14:45", "Service recovered"),
)


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_an_incident_debrief_starts_from_the_timeline_and_ends_with_its_story(
    live_marblejar, new_context, assert_accessible, screenshot_dir, size, browser_name
):
    p = make_personas()
    review = schedule(
        p,
        title="Database failover, 1 March",
        template="builtin:incident",
        purpose="Learn how the failover went and what made sense at each step.",
    )
    board = f"/r/{review.pk}/"
    viewport = SIZES[size]
    lena = log_in(new_context(viewport=viewport), p.lead.email)
    max_ = log_in(new_context(viewport=viewport), p.member.email)

    def shot(page: Page, name: str) -> None:
        no_sideways_scroll(page)
        page.evaluate("window.scrollTo(0, 0)")
        suffix = "" if browser_name == "chromium" else f"-{browser_name}"
        page.screenshot(path=str(screenshot_dir / f"incident-{name}-{size}{suffix}.png"))

    lena.goto(board)
    max_.goto(board)
    # The timeline first: events added out of order are shown in time order.
    for when, what in EVENTS:
        lena.get_by_text("Add an event to the timeline").click()
        lena.get_by_role("textbox", name="Time").fill(when)
        lena.get_by_label("What happened").fill(what)
        act(lena, lena.get_by_role("button", name="Add event"))
    events = max_.locator(".tl-what")
    expect(events).to_have_count(3, timeout=LIVE)
    expect(events.nth(0)).to_contain_text("Latency alert fired")
    expect(events.nth(2)).to_contain_text("Service recovered")
    shot(max_, "scheduled")

    act(lena, lena.get_by_role("button", name="Start the review"))
    phase_is(max_, "Check-in: safety check")
    advance(lena, "Open actions", max_)
    advance(lena, "Go first", max_)
    lena.get_by_label("My part in what happened").fill("I approved the failover drill's skip.")
    lena.get_by_label("A decision I would revisit").fill("Not testing writes on the standby.")
    act(lena, lena.get_by_role("button", name="Share my part"))
    # Max's board redraws its writing part when Lena's part arrives: before
    # that, what he types would be replaced (on a busy machine it arrives late).
    expect(max_.locator("#go-first-h")).to_contain_text("went first", timeout=LIVE)

    # At the top of the board: the timeline, above the phase's own work.
    timeline = max_.locator("section.timeline")
    notes = max_.locator(".note-forms")
    expect(notes).to_be_visible()
    assert timeline.bounding_box()["y"] < notes.bounding_box()["y"]
    max_.get_by_label("Event").select_option(label="1 Mar 2026, 14:02 · Latency alert fired")
    max_.get_by_label("What I knew, and why it made sense").fill(SENSE)
    act(max_, max_.get_by_role("button", name="Attach privately"))
    expect(max_.locator("section.timeline")).to_contain_text(SENSE)
    max_.get_by_label("Your note: Contributing factors").fill(FACTOR)
    act(max_, max_.locator("form.note-form", has_text="Contributing factors").get_by_role("button"))
    expect(lena.locator("body")).not_to_contain_text(SENSE)
    shot(max_, "go_first")
    assert_accessible(max_, f"the incident's timeline while writing ({size})")

    advance(lena, "Reflect", max_)
    # Grouping and voting are optional for an incident: Lena skips them.
    act(lena, lena.get_by_role("button", name="Skip grouping and voting: discuss"))
    phase_is(lena, "Discuss")
    phase_is(max_, "Discuss")
    # After the reveal, what Max knew sits under its event for everyone.
    latency = lena.locator(".tl-event", has_text="Latency alert fired")
    expect(latency).to_contain_text(SENSE)
    expect(lena.locator("#spotlight-h")).to_contain_text("What happened")
    expect(lena.locator(".spotlight")).to_contain_text(FACTOR)
    # A contributing factor, as a card of its own.
    lena.get_by_label("A contributing factor").check()
    lena.get_by_label("Your words").fill("Nobody owned the runbook for the standby")
    act(lena, lena.get_by_role("button", name="Add", exact=True))
    factor = max_.locator(".card-factor", has_text="Nobody owned the runbook")
    expect(factor).to_be_visible(timeout=LIVE)
    shot(max_, "discuss")
    assert_accessible(max_, f"the incident's discussion ({size})")

    advance(lena, "Actions", max_)
    advance(lena, "Closed", max_)
    max_.get_by_role("link", name="Read the summary").click()
    story = max_.locator(".narrative-summary")
    expect(story.get_by_role("heading", name="What happened, in order")).to_be_visible()
    items = story.locator(".tl-what")
    for i, (_when, what) in enumerate(sorted(EVENTS)):
        expect(items.nth(i)).to_contain_text(what)
    expect(story).to_contain_text(SENSE)
    expect(story).to_contain_text("Nobody owned the runbook for the standby")
    expect(story).to_contain_text(FACTOR)
    shot(max_, "summary")
    assert_accessible(max_, f"the incident's summary ({size})")
