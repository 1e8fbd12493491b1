"""A guest joins a live review in a third browser, writes a note and sees nothing else.

Lena facilitates and Max takes part, each in their own browser. Lena shares
the review's guest link; Gus, who has no account, opens it in a third
browser, gives his name and writes a note. After the reveal Lena's board
shows it, with his name. Gus then tries the team's page and the API and is
refused. When Lena closes the review, Gus's board gives way to the "this
review has ended, thank you" page with the summary. At 1280×800 and 390×844;
the join page and the guest's board are photographed
(MARBLEJAR_SCREENSHOT_DIR=docs/screenshots).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from marblejar.reviews import services
from marblejar.reviews.models import Phase, Review
from marblejar.reviews.tests.helpers import schedule
from marblejar.test import make_personas
from tests_e2e.conftest import log_in
from tests_e2e.test_retrospective_board import LIVE, SIZES, act, advance, no_sideways_scroll

pytestmark = [pytest.mark.browser, pytest.mark.slow]

GUEST_NOTE = "The status page told customers nothing for an hour"


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_a_guest_joins_writes_a_note_and_sees_nothing_else(
    live_marblejar, new_context, assert_accessible, screenshot_dir, size
):
    p = make_personas()
    review = schedule(p, title="Checkout outage review", votes_per_person=3)
    board = f"/r/{review.pk}/"
    viewport = SIZES[size]
    lena, max_ = (log_in(new_context(viewport=viewport), u.email) for u in (p.lead, p.member))
    for page in (lena, max_):
        page.goto(board)

    def shot(page: Page, name: str) -> None:
        no_sideways_scroll(page)
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(screenshot_dir / f"{name}-{size}.png"))

    # Lena shares the guest link from her tools on the board.
    lena.get_by_role("button", name="Create a guest link").click()
    link = lena.locator("#guest-link-url").inner_text().strip()
    assert re.search(r"/guest/[A-Za-z0-9_-]{40,}/$", link), link
    assert_accessible(lena, f"the facilitator's guest link ({size})")
    lena.locator("#guest-link").screenshot(path=str(screenshot_dir / f"guest-link-{size}.png"))
    # Max, a participant, has no such tools.
    expect(max_.locator("#guest-link")).to_have_count(0)

    act(lena, lena.get_by_role("button", name="Start the review"))
    advance(lena, "Open actions", max_)
    advance(lena, "Go first", max_)
    lena.get_by_label("My part in what happened").fill("I paused the alert during the deploy.")
    lena.get_by_label("A decision I would revisit").fill("Deploying before the sale.")
    act(lena, lena.get_by_role("button", name="Share my part"))

    # Gus, in a third browser, without an account.
    gus = new_context(viewport=viewport).new_page()
    gus.goto(link)
    expect(gus.get_by_role("heading", name="Checkout outage review")).to_be_visible()
    shot(gus, "guest-join")
    assert_accessible(gus, f"the guest join page ({size})")
    # A name is needed in a review with named notes; what was typed is kept.
    gus.get_by_label("Your name").fill("   ")
    gus.get_by_role("button", name="Join the review").click()
    expect(gus.get_by_text("Tell the others what to call you")).to_be_visible()
    gus.get_by_label("Your name").fill("Gus Guest")
    gus.get_by_role("button", name="Join the review").click()
    expect(gus).to_have_url(re.compile(rf"/r/{review.pk}/$"))
    expect(gus.locator("#phase-h")).to_have_text("Go first")
    expect(gus.get_by_text("you take part as a guest")).to_be_visible()
    # No way into the rest of the team from the guest's header.
    expect(gus.get_by_role("link", name="Account")).to_have_count(0)
    expect(gus.get_by_text("Your teams")).to_have_count(0)

    gus.get_by_label("Your note: Puzzled us").fill(GUEST_NOTE)
    act(gus, gus.locator("form.note-form", has_text="Puzzled us").get_by_role("button"))
    expect(gus.locator("#part-columns")).to_contain_text(GUEST_NOTE)
    # Gus counts among the people writing, like anyone else.
    act(gus, gus.get_by_role("button", name="I am done writing"))
    expect(lena.locator(".progress")).to_contain_text("1 of 3 are done writing", timeout=LIVE)
    shot(gus, "guest-board")
    assert_accessible(gus, f"the guest's board ({size})")
    # Hidden until the reveal, from the facilitator too.
    expect(lena.locator("body")).not_to_contain_text(GUEST_NOTE)

    advance(lena, "Reflect", max_, gus)
    advance(lena, "Group", max_, gus)
    expect(lena.locator("#part-columns, #part-groups").first).to_contain_text(
        GUEST_NOTE, timeout=LIVE
    )
    expect(max_.locator("body")).to_contain_text(GUEST_NOTE, timeout=LIVE)

    # Nothing else of the team: its page, its jar, the API.
    for url in ("/t/platform/", "/t/platform/jar/", "/t/platform/reviews/", "/account/"):
        response = gus.goto(url)
        assert response is not None and response.status == 403, url
        expect(gus.get_by_role("heading", name="Not part of your review")).to_be_visible()
    api = gus.request.get("/api/v1/me")
    assert api.status == 403
    api = gus.request.get(f"/api/v1/reviews/{review.pk}/notes")
    assert api.status == 403
    gus.get_by_role("link", name="Back to the review").click()
    expect(gus.locator("#phase-h")).to_have_text("Group")

    # Lena closes the review: Gus's board gives way to the thank-you page.
    fresh = Review.objects.get(pk=review.pk)
    while fresh.phase != Phase.ACTIONS:
        if fresh.phase == Phase.GROUP and not fresh.themes.exists():
            services.theme_create(actor=p.lead, review=fresh, title="Status page")
        services.review_advance_phase(actor=p.lead, review=fresh)
        fresh.refresh_from_db()
    lena.reload()
    advance(lena, "Closed", max_)
    expect(gus).to_have_url(re.compile(rf"/r/{review.pk}/thanks/$"), timeout=LIVE)
    expect(gus.get_by_role("heading", name="This review has ended: thank you")).to_be_visible()
    expect(gus.locator("body")).to_contain_text(GUEST_NOTE)
    shot(gus, "guest-ended")
    assert_accessible(gus, f"the guest's thank-you page ({size})")
    # And the board stays closed to him.
    gus.goto(board)
    expect(gus).to_have_url(re.compile(rf"/r/{review.pk}/thanks/$"))
