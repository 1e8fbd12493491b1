"""The language coach beside a text field: advice after a pause, never a barrier."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from playwright.sync_api import Page, expect

from marblejar.test import make_personas
from tests_e2e.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]

BLAMING = "Last night Sam should have checked the dashboard before the deploy."


@contextmanager
def coach_answer(page: Page) -> Iterator[None]:
    """Wait for the coach's answer to what the block types, and a moment for it to show.

    Typing on while a check is out, or leaving the page, cancels that check
    (htmx logs the cancelled request in the console, which fails the test).
    """
    with page.expect_response(
        lambda r: r.request.method == "POST" and "/coach/check/" in r.url
    ) as answer:
        yield
    answer.value.finished()
    page.wait_for_timeout(100)  # let HTMX swap the answer in


def test_the_coach_advises_as_you_type_and_the_writer_can_dismiss_it(
    live_marblejar, new_context, assert_accessible
):
    p = make_personas()
    page = log_in(new_context(), p.lead.email)
    page.goto(f"/t/{p.team.slug}/edit/")
    field = page.get_by_label("What this team does")
    panel = page.locator("#coach-id_description")

    with coach_answer(page):  # after a pause in typing
        field.fill("We run the deploy pipeline and the on-call rota.")
    expect(panel).to_be_empty()

    field.fill(BLAMING)
    finding = panel.locator(".coach-finding")
    expect(finding).to_have_count(1)
    expect(finding).to_contain_text("should have checked")
    expect(panel).to_contain_text("Try:")
    # The field is described by the panel, which announces politely.
    assert "coach-id_description" in field.get_attribute("aria-describedby")
    assert panel.get_attribute("aria-live") == "polite"
    assert_accessible(page, "team edit page with a coach finding")

    # Keyboard: reach "This is fine here" and press it; the finding goes, focus returns.
    dismiss = panel.get_by_role("button", name="This is fine here")
    dismiss.focus()
    page.keyboard.press("Enter")
    expect(finding).to_have_count(0)
    expect(field).to_be_focused()

    # It stays dismissed while the writer keeps typing.
    field.press("End")
    with coach_answer(page):
        field.type(" Thanks all.")
    expect(panel.locator(".coach-finding")).to_have_count(0)

    # Advice never blocks saving.
    page.get_by_role("button", name="Save").click()
    expect(page.locator("h1")).to_have_text(p.team.name)
    expect(page.locator(".lede")).to_contain_text("Sam should have checked")
