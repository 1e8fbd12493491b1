"""Grouping without JavaScript: "Move to…" is a link to the page that moves the card.

With JavaScript the same "Move to…" opens the board's one shared menu (the
retrospective journey walks it by keyboard); without it, the card's link
leads to a small page of labelled choices, and back to the board.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from marblejar.reviews import services
from marblejar.reviews.models import Note, Phase
from marblejar.reviews.tests.helpers import advance_to, schedule
from marblejar.test import make_personas
from tests_e2e.conftest import log_in

pytestmark = [pytest.mark.browser]

SIZES = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
PAGER = "Nobody knew who was on call that weekend"


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_a_card_is_grouped_without_javascript_from_its_own_page(
    live_marblejar, new_context, assert_accessible, screenshot_dir, size
):
    p = make_personas()
    review = advance_to(schedule(p), Phase.REFLECT, by=p.lead)
    note = services.note_add(actor=p.member, review=review, column="puzzled", text=PAGER)
    review = advance_to(review, Phase.GROUP, by=p.lead)
    services.theme_create(actor=p.member, review=review, title="On call")

    # The page itself, as anyone sees it, checked with axe (which needs JavaScript).
    lena = log_in(new_context(viewport=SIZES[size]), p.lead.email)
    lena.goto(f"/r/{review.pk}/notes/{note.pk}/move/")
    expect(lena.get_by_role("heading", name="Move this card")).to_be_visible()
    assert_accessible(lena, f"the Move this card page ({size})")
    lena.screenshot(path=str(screenshot_dir / f"board-move-page-{size}.png"), full_page=True)

    max_ = log_in(new_context(viewport=SIZES[size], java_script_enabled=False), p.member.email)
    max_.goto(f"/r/{review.pk}/")
    card = max_.locator(".card-note", has_text=PAGER)
    card.get_by_role("link", name="Move to…").click()
    expect(max_.get_by_role("heading", name="Move this card")).to_be_visible()
    expect(max_.locator(".move-page-card")).to_contain_text(PAGER)
    # Moving without a choice says what to do, on the page.
    max_.get_by_role("button", name="Move", exact=True).click()
    expect(max_.locator(".errorlist")).to_contain_text("Choose where the card goes.")
    max_.get_by_label("On call").check()
    max_.get_by_role("button", name="Move", exact=True).click()
    stack = max_.locator(".theme-stack", has=max_.get_by_role("heading", name="On call"))
    expect(stack).to_contain_text(PAGER)
    assert Note.objects.get(pk=note.pk).theme.title == "On call"
    # And back to its column, the same way.
    stack.locator(".card-note", has_text=PAGER).get_by_role("link", name="Move to…").click()
    max_.get_by_label("Back to “Puzzled us”").check()
    max_.get_by_role("button", name="Move", exact=True).click()
    expect(max_.locator(".board-column", has_text="Puzzled us")).to_contain_text(PAGER)
