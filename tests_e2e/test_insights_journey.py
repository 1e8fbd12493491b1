"""The demo team's six months on its insights page: safety rising with its band, the
reviews' safety checks, marbles every month, leads going first, actions that worked.

Seeds the demo organization as `marblejar demo` does, logs in as Ben (a member),
follows the team page's "Insights" link, reads the sentences, opens a table and
copies the quarter summary; then Ada (the org admin) opens insights across teams
from the Organization menu. Each page passes axe, at 1280×800 and on a phone.
"""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from marblejar.accounts.management.commands.demo import DEMO_PASSWORD
from tests_e2e.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PHONE = {"width": 390, "height": 844}


def test_the_demo_teams_insights_tell_its_six_months(
    live_marblejar, new_context, assert_accessible, screenshot_dir
):
    call_command("demo", stdout=io.StringIO())
    ben = log_in(
        new_context(permissions=["clipboard-read", "clipboard-write"]),
        "ben@demo.marblejar.org",
        DEMO_PASSWORD,
    )
    ben.goto("/t/platform/")
    ben.get_by_role("link", name="Insights", exact=True).click()
    expect(ben.get_by_role("heading", level=1)).to_have_text("Insights")
    safety = ben.locator("#safety")
    expect(safety.locator(".reading")).to_contain_text(
        re.compile(r"Safety rose from \d\.\d to \d\.\d across 5 pulses; the rise is larger")
    )
    expect(safety.locator("svg.chart circle")).to_have_count(5)
    expect(safety).to_contain_text("1 pulse of this period has no score")
    expect(ben.locator("#checks .reading")).to_contain_text("went from 3 to 5 out of 5")
    expect(ben.locator("#reflections .reading")).to_contain_text("by leads: leaders going first")
    expect(ben.locator("#actions .reading")).to_contain_text("3 worked")
    # A chart's table, for those who do not read the picture.
    safety.get_by_text("Table: every pulse").click()
    expect(safety.locator("table tbody tr")).to_have_count(6)
    assert_accessible(ben, "the team's insights")
    ben.get_by_role("button", name="Copy as Markdown").click()
    expect(ben.locator("#markdown-copy-status")).to_have_text("Copied to the clipboard.")
    copied = ben.evaluate("navigator.clipboard.readText()")
    assert copied.startswith("# Platform: insights from ") and "\n## Q" in copied
    # Without JavaScript the same text is one link away.
    opened = ben.get_by_role("link", name="Open the Markdown")
    expect(opened).to_have_attribute(
        "href", re.compile(r"/t/platform/insights/summary\.md\?months=6$")
    )
    assert ben.request.get(opened.get_attribute("href")).text().strip() == copied.strip()
    safety.get_by_text("Table: every pulse").click()
    ben.screenshot(path=str(screenshot_dir / "insights.png"), full_page=True)
    ben.set_viewport_size(PHONE)
    assert_accessible(ben, "the team's insights on a phone")
    ben.screenshot(path=str(screenshot_dir / "insights-phone.png"), full_page=True)

    ada = log_in(new_context(), "ada@demo.marblejar.org", DEMO_PASSWORD)
    ada.get_by_text("Organization", exact=True).click()
    ada.get_by_role("link", name="Insights across teams").click()
    expect(ada.get_by_role("heading", level=1)).to_have_text("Insights across teams")
    expect(ada.locator("#activity .reading")).to_have_text(
        "2 of 2 teams closed at least one review in this period."
    )
    expect(ada.locator("#not-shown")).to_contain_text("No figure about a person")
    assert_accessible(ada, "insights across teams")
    ada.screenshot(path=str(screenshot_dir / "insights-organization.png"), full_page=True)
