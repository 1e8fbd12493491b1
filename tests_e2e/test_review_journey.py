"""A whole retrospective in two browsers: the lead facilitates, a member takes part.

Safety check → the go-first gate holds the member's note back → the lead goes
first → reveal → group (the keyboard way) → vote → a question with its
intent, answered → an action → summary. Each browser follows the other's
changes live, without reloading.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from marblejar.reviews.models import Review
from marblejar.reviews.tests.live import session_client
from marblejar.test import make_personas
from tests_e2e.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LIVE = 15_000  # ms to wait for something to arrive over the event stream
NOTE = "The release checklist did not mention the cache warm-up"


def csrf(client, board: str) -> str:
    if "csrftoken" not in client.cookies:
        client.get(board)
    return client.cookies["csrftoken"]


def named(text: str) -> re.Pattern[str]:
    """A button's name whose ": details" part is visually hidden (browsers may add a space)."""
    label, _sep, detail = text.partition(":")
    return re.compile(rf"^{re.escape(label)}\s*:\s*{re.escape(detail.strip())}$")


def phase_is(page: Page, name: str) -> None:
    expect(page.locator("#phase-h")).to_have_text(name, timeout=LIVE)


def act(page: Page, target) -> None:
    """Click a board button and wait for the server's answer to be on the page."""
    with page.expect_response(
        lambda r: r.request.method == "POST" and "/presence/" not in r.url
    ) as answer:
        target.click()
    answer.value.finished()
    page.wait_for_timeout(100)  # let HTMX swap the answer in


def advance(page: Page, to: str) -> None:
    act(page, page.get_by_role("button", name=f"Move on to: {to}"))
    phase_is(page, to)


def test_two_people_run_a_retrospective_end_to_end(
    live_marblejar, new_context, assert_accessible, screenshot_dir
):
    p = make_personas()
    lena = log_in(new_context(), p.lead.email)
    max_ = log_in(new_context(), p.member.email)

    # Lena schedules it: purpose and agenda are required, and shown to everyone.
    lena.goto(f"/t/{p.team.slug}/reviews/")
    assert_accessible(lena, "the team's reviews")
    lena.get_by_role("link", name="Schedule a review").click()
    lena.get_by_role("button", name="Schedule").click()
    expect(lena.get_by_text("Say why you are holding this review")).to_be_visible()
    lena.get_by_label("Title").fill("Sprint 12 retrospective")
    lena.get_by_label("Why we are holding this review").fill("Learn from the slipped release.")
    lena.get_by_label("Agenda").fill("Check-in, go first, notes, themes, votes, actions.")
    assert_accessible(lena, "the schedule form")
    lena.get_by_role("button", name="Schedule").click()
    expect(lena.get_by_role("heading", level=1)).to_have_text("Sprint 12 retrospective")
    review = Review.objects.get()
    board = f"/r/{review.pk}/"

    max_.goto(board)
    expect(max_.get_by_text("Learn from the slipped release.")).to_be_visible()
    expect(max_.get_by_text("We are here to learn, not to judge.")).to_be_visible()
    assert_accessible(max_, "the board before the start")

    # Check-in: everyone answers the safety check; the histogram follows.
    act(lena, lena.get_by_role("button", name="Start the review"))
    phase_is(max_, "Check-in: safety check")
    act(max_, max_.get_by_role("button", name=re.compile(r"^3 ")))
    expect(max_.get_by_text("your answer is counted")).to_be_visible()
    act(lena, lena.get_by_role("button", name=re.compile(r"^4 ")))
    expect(lena.get_by_text("your answer is counted")).to_be_visible()
    # A third teammate answers from a script, through the same server.
    mia = session_client(live_marblejar, p.member2)
    mia.post(board + "presence/", headers={"X-CSRFToken": csrf(mia, board)})
    answered = mia.post(
        board + "safety/", data={"value": 4}, headers={"X-CSRFToken": csrf(mia, board)}
    )
    assert answered.status_code == 302
    expect(max_.get_by_text("Safety check: 3 answers")).to_be_visible(timeout=LIVE)
    assert_accessible(max_, "the safety check's results")

    advance(lena, "Open actions")
    expect(max_.get_by_text("No open actions from earlier reviews.")).to_be_visible(timeout=LIVE)
    advance(lena, "Go first")

    # Max writes before Lena has gone first: only he can read it.
    phase_is(max_, "Go first")
    expect(max_.get_by_text("Waiting for Lena Lead")).to_be_visible()
    max_.get_by_label("Your note: Puzzled us").fill(NOTE)
    act(max_, max_.get_by_role("button", name=named("Add note: Puzzled us")))
    expect(max_.locator("#part-columns")).to_contain_text(NOTE)
    expect(lena.locator("#part-columns")).to_contain_text("1 note so far", timeout=LIVE)
    expect(lena.locator("body")).not_to_contain_text(NOTE)
    assert_accessible(max_, "writing a private note")

    # The gate holds: no moving on before going first.
    act(lena, lena.get_by_role("button", name="Move on to: Reflect"))
    expect(lena.get_by_role("alert")).to_contain_text("before the others' notes can be revealed")
    phase_is(lena, "Go first")
    lena.get_by_label("My part in what happened").fill("I approved the release on Friday.")
    lena.get_by_label("A decision I would revisit").fill("Skipping the load test.")
    act(lena, lena.get_by_role("button", name="Share my part"))
    expect(lena.get_by_text("Lena Lead went first")).to_be_visible()
    expect(max_.get_by_text("Lena Lead went first")).to_be_visible(timeout=LIVE)
    expect(max_.get_by_text("I approved the release on Friday.")).to_be_visible()
    expect(lena.locator("body")).not_to_contain_text(NOTE)

    advance(lena, "Reflect")
    expect(lena.locator("body")).not_to_contain_text(NOTE)
    advance(lena, "Group")  # the reveal
    expect(lena.locator("#part-groups")).to_contain_text(NOTE)
    phase_is(max_, "Group")
    max_.get_by_label("New theme").fill("Release checklist")
    act(max_, max_.get_by_role("button", name="Add theme"))
    expect(max_.locator("#part-groups")).to_contain_text("Release checklist")
    expect(lena.locator("#part-groups")).to_contain_text("Release checklist", timeout=LIVE)
    # The keyboard way: the card's "Move to…" menu.
    max_.locator(".card-note", has_text=NOTE).get_by_role(
        "button", name=re.compile("^Move to")
    ).click()
    act(max_, max_.get_by_role("menuitem", name="Release checklist", exact=True))
    theme_box = lena.locator(
        ".theme-stack", has=lena.get_by_role("heading", name="Release checklist")
    )
    expect(theme_box).to_contain_text(NOTE, timeout=LIVE)
    assert_accessible(lena, "grouping")

    advance(lena, "Vote")
    phase_is(max_, "Vote")
    act(max_, max_.get_by_role("button", name=named("Vote: Release checklist")))
    expect(max_.get_by_text("You have 2 votes left")).to_be_visible()
    act(lena, lena.get_by_role("button", name=named("Vote: Release checklist")))
    expect(lena.get_by_text("You have 2 votes left")).to_be_visible()
    assert_accessible(max_, "voting")

    advance(lena, "Discuss")
    phase_is(max_, "Discuss")
    expect(max_.locator("#spotlight-h")).to_contain_text("2 votes")
    max_.get_by_label("Your words").fill("What did the checklist say about caches?")
    act(max_, max_.get_by_role("button", name="Add", exact=True))
    expect(max_.locator(".errorlist")).to_contain_text("Say why you are asking")
    max_.get_by_label("Why you are asking, in your own words").fill(
        "I want to know if we could have seen it."
    )
    act(max_, max_.get_by_role("button", name="Add", exact=True))
    expect(lena.get_by_text("What did the checklist say about caches?")).to_be_visible(timeout=LIVE)
    lena.get_by_label("Answer").fill("Nothing: it predates the cache.")
    act(lena, lena.get_by_role("button", name="Answer", exact=True))
    expect(lena.get_by_text("Nothing: it predates the cache.")).to_be_visible()
    expect(max_.get_by_text("Nothing: it predates the cache.")).to_be_visible(timeout=LIVE)
    assert_accessible(max_, "the discussion")

    advance(lena, "Actions")
    phase_is(max_, "Actions")
    max_.get_by_label("What we will do").fill("Add the cache warm-up to the checklist")
    max_.get_by_label("Owner").select_option(label="Max Member")
    max_.get_by_label("Due").fill("2030-01-10")
    max_.get_by_label("We will know it worked when…").fill("No cold-cache incident next release.")
    max_.get_by_label("Check on").fill("2030-02-10")
    act(max_, max_.get_by_role("button", name="Add action"))
    expect(lena.locator("#part-actions")).to_contain_text(
        "Add the cache warm-up to the checklist", timeout=LIVE
    )

    act(lena, lena.get_by_role("button", name="Move on to: Closed"))
    phase_is(max_, "Closed")
    max_.get_by_role("link", name="Read the summary").click()
    for text in (NOTE, "What did the checklist say about caches?", "No cold-cache incident"):
        expect(max_.get_by_text(text).first).to_be_visible()
    assert_accessible(max_, "the summary")
    max_.screenshot(path=str(screenshot_dir / "review-summary.png"), full_page=True)
    max_.get_by_role("button", name="4", exact=True).click()
    expect(max_.get_by_text("Thank you: your answer is counted.").first).to_be_visible()
