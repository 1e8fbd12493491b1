"""Grouping notes into themes by dragging them, as most people will.

The keyboard way (the "Move to…" menu on each card) is walked in the
retrospective journey; dragging fills in that same form, so both reach the
server the same way and every board follows.
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

LIVE = 15_000  # ms to wait for something to arrive over the event stream
CACHE = "The release checklist did not mention the cache warm-up"
PAGER = "Nobody knew who was on call that weekend"


def test_dragging_a_note_onto_a_theme_groups_it_for_everyone(live_marblejar, new_context):
    p = make_personas()
    review = advance_to(schedule(p), Phase.REFLECT, by=p.lead)
    for text in (CACHE, PAGER):
        services.note_add(actor=p.member, review=review, column="puzzled", text=text)
    review = advance_to(review, Phase.GROUP, by=p.lead)
    theme = services.theme_create(actor=p.member, review=review, title="Release checklist")

    lena = log_in(new_context(), p.lead.email)
    max_ = log_in(new_context(), p.member.email)
    for page in (lena, max_):
        page.goto(f"/r/{review.pk}/")
    themed = {
        page: page.locator(".theme-stack", has=page.get_by_role("heading", name=theme.title))
        for page in (lena, max_)
    }
    # A card not in a theme stays in its column.
    ungrouped = {
        page: page.locator(".board-column", has=page.get_by_role("heading", name="Puzzled us"))
        for page in (lena, max_)
    }

    lena.locator(".card-note", has_text=CACHE).drag_to(themed[lena])

    expect(themed[lena]).to_contain_text(CACHE)
    expect(themed[max_]).to_contain_text(CACHE, timeout=LIVE)
    expect(ungrouped[max_]).not_to_contain_text(CACHE)
    expect(ungrouped[max_]).to_contain_text(PAGER)
    assert Note.objects.get(text=CACHE).theme_id == theme.pk

    # And back out again, by the same gesture onto its column (its heading:
    # dropped onto a card, it would start a theme with that card).
    max_.locator(".card-note", has_text=CACHE).drag_to(ungrouped[max_].get_by_role("heading"))

    expect(ungrouped[max_]).to_contain_text(CACHE)
    expect(themed[lena]).not_to_contain_text(CACHE, timeout=LIVE)
    assert Note.objects.get(text=CACHE).theme_id is None
