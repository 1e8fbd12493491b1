"""A note the server could not save (its disk full, its database away) says so on the board.

The server's 503 is played by the browser's network layer here (a real full
disk is in marblejar/tests/test_faults.py): what matters is what the person
sees. HTMX swaps nothing on an error, so what was typed stays in the field;
the page shows the server's sentence above the board, as an alert.
"""

from __future__ import annotations

import pytest
from django.db.utils import OperationalError
from django.test import RequestFactory
from playwright.sync_api import expect

from marblejar.lib.outages import outage_response
from marblejar.reviews.models import Phase
from marblejar.reviews.tests.helpers import advance_to, schedule
from marblejar.test import make_personas
from tests_e2e.conftest import VIEWPORT, log_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TEXT = "The rollback took longer than the outage"


def test_a_note_the_server_could_not_save_keeps_its_text_and_says_why(browser, live_marblejar):
    p = make_personas()
    review = advance_to(schedule(p), Phase.REFLECT, by=p.lead)
    full = outage_response(
        RequestFactory().post(f"/r/{review.pk}/notes/"),
        OperationalError("database or disk is full"),
    )
    context = browser.new_context(base_url=live_marblejar.url, locale="en", viewport=VIEWPORT)
    script_errors: list[str] = []
    context.on("weberror", lambda error: script_errors.append(str(error.error)))
    try:
        page = log_in(context, p.member.email)
        page.goto(f"/r/{review.pk}/")
        page.route(
            "**/notes/",
            lambda route: route.fulfill(
                status=503, body=full.content, headers={"Content-Type": "text/html"}
            ),
        )
        form = page.locator("form.note-form").first
        field = form.locator("textarea")
        field.fill(TEXT)
        form.get_by_role("button").click()
        alert = page.locator("#outage-message[role=alert]")
        expect(alert).to_contain_text("The server's disk is full, so this could not be saved.")
        expect(field).to_have_value(TEXT)
    finally:
        context.close()
    assert not script_errors, script_errors
