"""How a board's parts follow the review live, without getting in a reader's way.

Each part reloads itself when the stream says it changed. A reload must touch
that part only, and one that arrives after its part was replaced must not
land: htmx would swap it into the detached part and, keeping hx-preserve
fields, take the field the reader is typing in out of the page.
"""

from __future__ import annotations

import contextlib
import re

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, Route, expect

from marblejar.reviews import services
from marblejar.reviews.models import Phase
from marblejar.reviews.tests.helpers import advance_to, schedule
from marblejar.reviews.tests.live import csrf_post, session_client
from marblejar.test import make_personas
from tests_e2e.conftest import log_in

pytestmark = [pytest.mark.browser]

LIVE = 15_000  # ms to wait for something to arrive over the event stream


@pytest.fixture
def discussion(live_marblejar):
    """A review in its discussion phase, with one question waiting for an answer."""
    p = make_personas()
    review = advance_to(schedule(p), Phase.DISCUSS, by=p.lead)
    theme = review.themes.get()
    services.question_ask(
        actor=p.member,
        theme=theme,
        text="What did the checklist say about caches?",
        intent="I want to know if we could have seen it.",
    )
    max_ = session_client(live_marblejar, p.member)
    return p, review, theme, max_


def ask_live(max_, review, theme, text: str) -> None:
    """Max asks a question through the server, so the board hears of it live."""
    board = f"/r/{review.pk}/"
    answer = csrf_post(
        max_,
        f"{board}themes/{theme.pk}/questions/",
        {"text": text, "intent": "To see what the others think."},
        board,
    )
    assert answer.status_code == 200, answer.text


def open_board(new_context, p, review) -> tuple[Page, list[str]]:
    lena = log_in(new_context(), p.lead.email)
    lena.goto(f"/r/{review.pk}/")
    expect(lena.get_by_label("Answer")).to_be_visible()
    # Only what is asked from here on counts.
    lena.wait_for_load_state("networkidle")
    gets: list[str] = []
    lena.on("request", lambda r: gets.append(r.url) if r.method == "GET" else None)
    return lena, gets


def test_a_change_to_one_theme_reloads_that_theme_only(discussion, new_context):
    p, review, theme, max_ = discussion
    lena, gets = open_board(new_context, p, review)

    ask_live(max_, review, theme, "Who reviews the checklist?")

    expect(lena.get_by_text("Who reviews the checklist?")).to_be_visible(timeout=LIVE)
    assert any(re.search(r"/part/theme/$", url) for url in gets), gets
    assert not any("/part/phase/" in url for url in gets), gets


def test_a_reload_that_arrives_after_its_part_was_replaced_keeps_what_is_typed(
    discussion, new_context
):
    p, review, theme, max_ = discussion
    lena, gets = open_board(new_context, p, review)
    held: list[Route] = []
    lena.route("**/part/theme/**", lambda route: held.append(route))

    # The theme's reload is on its way (held back here) ...
    ask_live(max_, review, theme, "Who reviews the checklist?")
    for _ in range(150):
        if held:
            break
        lena.wait_for_timeout(100)
    assert held, "the theme never asked for its new content"

    # ... when Lena's own finding answers with the whole phase, replacing the theme.
    lena.get_by_label("A finding").check()
    lena.get_by_label("Your words").fill("The checklist predates the cache.")
    lena.get_by_role("button", name="Add", exact=True).click()
    expect(lena.get_by_text("The checklist predates the cache.")).to_be_visible()
    answer = lena.get_by_label("Answer").first
    answer.fill("Nothing: it predates the cache.")

    # The late reload now arrives: it must not take the field from the page.
    lena.unroute("**/part/theme/**")
    for route in held:
        # The request may have been cancelled already, which is fine too.
        with contextlib.suppress(PlaywrightError):
            route.continue_()
    lena.wait_for_timeout(500)
    expect(answer).to_have_value("Nothing: it predates the cache.")
    lena.get_by_role("button", name="Answer", exact=True).first.click()
    expect(lena.get_by_text("Nothing: it predates the cache.")).to_be_visible()
