"""The pulse journey, with a minimum group size of 3: two members answer and
nothing is shown; a third answers; the lead closes the pulse and sees the
results first, writes a response and publishes; only then do members see
results and response together. Members answer with the keyboard alone."""

from __future__ import annotations

import io
import re

import pytest
from playwright.sync_api import Page, expect

from marblejar.pulse.tests.factories import add_members
from marblejar.test import make_personas
from tests_e2e.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LIVE = 15_000  # ms to wait for something to arrive over the event stream


def answer_with_the_keyboard(page: Page, *, steps: int, comment: str, check=None) -> None:
    """Tab into each radio group, pick an answer with the arrow keys, and send."""
    page.get_by_role("link", name=re.compile("Answer now")).focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Psychological safety")
    if check:
        check(page, "the answer form")
    groups = page.locator("fieldset.likert")
    count = groups.count()
    assert count == 7
    groups.first.locator("input").first.focus()
    for index in range(count):
        for _ in range(steps):
            page.keyboard.press("ArrowRight")
        expect(groups.nth(index).locator("input:checked")).to_have_count(1)
        page.keyboard.press("Tab")
    expect(page.get_by_label("Anything you want to add? (optional)")).to_be_focused()
    page.keyboard.type(comment)
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Send my answers")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator(".messages")).to_contain_text("Your answers are in, anonymously.")


def test_a_team_runs_a_pulse_and_the_lead_responds_first(
    live_marblejar, new_context, assert_accessible
):
    p = make_personas()
    [third] = add_members(p.team, p.org, 1, prefix="sam")
    third.password = p.member.password
    third.save()

    # The org admin allows results from 3 people.
    admin = log_in(new_context(), p.admin.email)
    admin.goto("/organization/pulses/settings/")
    assert_accessible(admin, "the pulse settings")
    admin.get_by_label("Show pulse results only from this many people").fill("3")
    admin.get_by_label("Show comments only from this many people").fill("3")
    admin.get_by_role("button", name="Save").click()
    expect(admin.locator(".messages")).to_contain_text("Pulse settings saved.")

    # The lead schedules a pulse that opens now, with the minimum of 3.
    lead = log_in(new_context(), p.lead.email)
    lead.goto("/t/platform/pulses/")
    lead.get_by_role("link", name="Schedule a pulse").click()
    assert_accessible(lead, "the schedule form")
    expect(lead.get_by_label("Show results only from this many people")).to_have_value("3")
    lead.get_by_role("button", name="Schedule").click()
    expect(lead.locator(".messages")).to_contain_text("is scheduled")
    count = lead.locator("[id^=pulse-][id$=-count]").first
    expect(count).to_have_text("0 people have answered so far.")
    assert_accessible(lead, "the team's pulses")

    # Two members answer with the keyboard; the lead's page counts them live.
    for person, steps in ((p.member, 5), (p.member2, 2)):
        page = log_in(new_context(), person.email)
        page.goto("/t/platform/pulses/")
        answer_with_the_keyboard(
            page,
            steps=steps,
            comment=f"Comment from {person.pk}",
            check=assert_accessible if person == p.member else None,
        )
    expect(count).to_have_text("2 people have answered so far.", timeout=LIVE)

    # Two answers: the pulse is still open and nothing is shown to anyone.
    member = log_in(new_context(), p.member.email)
    member.goto("/t/platform/pulses/")
    expect(member.get_by_role("link", name=re.compile("results", re.I))).to_have_count(0)
    expect(member.locator(".score-number")).to_have_count(0)

    # The third person answers.
    sam = log_in(new_context(), third.email)
    sam.goto("/t/platform/pulses/")
    answer_with_the_keyboard(sam, steps=3, comment="Third comment")
    expect(count).to_have_text("3 people have answered so far.", timeout=LIVE)

    # The lead closes it and sees the results first.
    lead.once("dialog", lambda dialog: dialog.accept())
    lead.get_by_role("button", name=re.compile("Close now")).click()
    expect(lead.get_by_text("Only you can see these results now.")).to_be_visible()
    expect(lead.locator(".score-number")).to_be_visible()
    # Four people were in the team when it opened; three answered.
    expect(lead.locator(".headline .participation")).to_have_text("3 of 4 people answered (75%).")
    results_url = lead.url
    assert_accessible(lead, "the lead's first look at the results")

    # A member opening the results sees that the lead goes first, and no numbers.
    member.goto(results_url)
    expect(member.get_by_text("The lead reads the results first")).to_be_visible()
    expect(member.locator(".score-number")).to_have_count(0)
    expect(member.locator("body")).not_to_contain_text("Third comment")

    # The lead responds; an empty plan is refused and what was typed stays.
    lead.get_by_label("What I hear in these results").fill("Some of you hold back in reviews.")
    lead.get_by_role("button", name="Publish results and response to the team").click()
    expect(lead.get_by_label("What I hear in these results")).to_have_value(
        "Some of you hold back in reviews."
    )
    expect(lead.locator(".errorlist")).to_contain_text("This field is required.")
    lead.get_by_label("What I will do").fill("I will ask for feedback on my own code first.")
    lead.get_by_role("button", name="Publish results and response to the team").click()
    expect(lead.locator(".messages")).to_contain_text("published to the team")

    # Now members see results and response together.
    member.goto(results_url)
    expect(member.locator(".score-number")).to_be_visible()
    response = member.get_by_role("region", name="The lead's response")
    expect(response).to_contain_text("Some of you hold back in reviews.")
    expect(response).to_contain_text("I will ask for feedback on my own code first.")
    expect(member.locator(".comments")).to_contain_text("Third comment")
    assert_accessible(member, "the published results")
    # The team page's pulse card shows the score now that it is published.
    member.goto("/t/platform/")
    expect(member.locator("#pulse-panel .score-number")).to_be_visible()
    assert_accessible(member, "the team page with its pulse card")


@pytest.mark.parametrize("viewport", [(1280, 800), (390, 844)], ids=["desktop", "phone"])
def test_the_demo_teams_results_read_as_a_story(
    live_marblejar, new_context, assert_accessible, screenshot_dir, viewport
):
    """The demo's published pulse and Platform's page, as Ben sees them, on a
    laptop and a phone: accessible, and the pictures docs/pulses.md shows."""
    from django.core.management import call_command

    call_command("demo", stdout=io.StringIO())
    width, height = viewport
    ben = log_in(new_context(), "ben@demo.marblejar.org", "marblejar-demo")
    ben.set_viewport_size({"width": width, "height": height})
    ben.goto("/t/platform/")
    card = ben.locator("#pulse-panel")
    expect(card.locator(".score-number")).to_have_text("5.6")
    expect(card).to_contain_text("across 5 pulses with results")
    assert_accessible(ben, f"the demo team page at {width}px")
    if width < 500:
        card.screenshot(path=str(screenshot_dir / "pulse-team-card.png"))
    card.get_by_role("link", name="Psychological safety").click()
    headline = ben.locator(".headline")
    expect(headline.locator(".score-number")).to_have_text("5.6")
    expect(headline).to_contain_text("6 of 6 people answered (100%).")
    expect(ben.locator(".statement").filter(has_text="Asking for help")).to_contain_text(
        "worded the other way round"
    )
    ben.get_by_text("How these numbers are computed").click()
    expect(ben.locator("details.how")).to_contain_text("Answers typically sit")
    ben.get_by_text("How these numbers are computed").click()
    assert_accessible(ben, f"the demo results at {width}px")
    if width >= 500:
        # From the top to the end of the statements: what a lead reads first.
        ben.goto(ben.url)
        box = ben.locator("section:has(#items-h)").bounding_box()
        assert box is not None
        ben.screenshot(
            path=str(screenshot_dir / "pulse-results.png"),
            full_page=True,
            clip={"x": 0, "y": 0, "width": width, "height": box["y"] + box["height"] + 16},
        )
