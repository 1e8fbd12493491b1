"""An action from a review to its check date, and "it worked".

The retrospective that agrees on the action is run through the services (the
board has journeys of its own); from there on it is the browser: the action
on the team's list, time moved on to its check date (its dates changed in the
database, then the worker's nightly run made due and run), the owner's
notification, "Did it have the effect we expected?" answered, and the answer
on the action's page, on the list, in the next review's open actions and on
the team's insights page. Each page passes axe.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from playwright.sync_api import expect

from marblejar.lib import periodic
from marblejar.reviews import services
from marblejar.reviews.models import Action, Phase, Theme
from marblejar.reviews.selectors_actions import action_checks_for_review
from marblejar.reviews.tasks_actions import action_reminders
from marblejar.reviews.tests.helpers import advance_to, schedule
from marblejar.test import make_personas
from marblejar.tests.forensics import run_queued_tasks
from tests_e2e.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PHONE = {"width": 390, "height": 844}


def the_night_passes() -> None:
    periodic.ensure_scheduled()
    DBTaskResult.objects.filter(task_path=action_reminders.module_path, status="READY").update(
        run_after=timezone.now() - timedelta(minutes=1)
    )
    run_queued_tasks()


def seed_other_actions(p) -> None:
    """A few more actions, so that the list looks like a team's after some weeks."""
    today = timezone.localdate()
    rows = [
        ("Rotate the on-call handover to Monday mornings", p.lead, 5, 26, "doing", ""),
        ("Add a load test to the release checklist", None, -3, 18, "open", ""),
        ("Pair on every database migration", p.member2, -20, -2, "done", "worked"),
        ("Write runbooks for the three noisiest alerts", p.member, -12, 10, "done", ""),
        ("Weekly demo of work in progress", None, -30, -10, "dropped", ""),
    ]
    for title, owner, due, check, status, result in rows:
        action = services.action_add(
            actor=p.lead,
            team=p.team,
            title=title,
            expected_effect="We see it in the next two sprints.",
            due_on=today + timedelta(days=max(due, 1)),
            check_on=today + timedelta(days=max(check, 2)),
            owner=owner,
        )
        Action.objects.filter(pk=action.pk).update(
            due_on=today + timedelta(days=due), check_on=today + timedelta(days=check)
        )
        action.refresh_from_db()
        if status != "open":
            services.action_set_status(
                actor=p.lead,
                action=action,
                status=status,
                note="The demo clashed with planning." if status == "dropped" else "",
            )
        if result:
            services.action_check(
                actor=p.member2, action=action, result=result, note="No migration surprises."
            )


def test_an_action_goes_from_a_review_to_it_worked(
    live_marblejar, new_context, assert_accessible, screenshot_dir
):
    p = make_personas()
    review = advance_to(schedule(p, title="Sprint 14 retrospective"), Phase.DISCUSS, by=p.lead)
    theme = Theme.objects.get(review=review)
    advance_to(review, Phase.ACTIONS, by=p.lead)
    today = timezone.localdate()
    action = services.action_create(
        actor=p.lead,
        review=review,
        theme=theme,
        title="Put the deploy freeze dates in the team calendar",
        expected_effect="Nobody is surprised by a freeze in the next release cycle.",
        due_on=today + timedelta(days=7),
        check_on=today + timedelta(days=28),
        owner=p.member,
    )
    advance_to(review, Phase.CLOSED, by=p.lead)
    seed_other_actions(p)

    max_ = log_in(new_context(), p.member.email)
    max_.goto(f"/t/{p.team.slug}/actions/")
    row = max_.locator(f"#action-{action.pk}")
    expect(row).to_contain_text("Sprint 14 retrospective")
    expect(row).to_contain_text("Not checked yet")
    assert_accessible(max_, "the action list")

    # Filters are plain form controls: the keyboard way.
    filters = max_.locator("form.action-filters")
    filters.get_by_label("Owner").select_option(label="Max Member")
    filters.get_by_role("button", name="Show").press("Enter")
    expect(max_).to_have_url(re.compile(rf"owner={p.member.pk}"))
    expect(max_.locator("tbody tr")).to_have_count(2)
    assert_accessible(max_, "the filtered action list")

    # Four weeks go by: the action was done, and its check date is today.
    services.action_set_status(actor=p.member, action=action, status="done")
    Action.objects.filter(pk=action.pk).update(
        due_on=today - timedelta(days=21),
        check_on=today,
        created_at=timezone.now() - timedelta(days=28),
    )
    the_night_passes()

    max_.goto("/notifications/")
    notice = max_.get_by_role(
        "link",
        name=re.compile(r"It is time to check the action “Put the deploy freeze dates"),
    )
    expect(notice).to_be_visible()
    notice.click()
    expect(max_).to_have_url(re.compile(rf"/actions/{action.pk}/#check$"))
    expect(max_.get_by_role("heading", level=1)).to_have_text(action.title)
    assert_accessible(max_, "the action's page before the check")

    max_.get_by_role("button", name="Save the answer").click()
    expect(max_.get_by_text("Choose yes, partly, no or too early to tell.")).to_be_visible()
    max_.get_by_label("What we saw").fill("Two freezes this month; nobody was caught out.")
    max_.get_by_label("Yes").check()
    max_.get_by_role("button", name="Save the answer").click()
    expect(max_.get_by_text("Thank you: the answer is on the action.")).to_be_visible()
    expect(max_.locator(".action-state")).to_contain_text("Did it work? Yes")
    expect(max_.locator(".history")).to_contain_text("Max Member answered “did it work?”: Yes.")
    expect(max_.locator(".history")).to_contain_text("Asked whether it worked.")
    assert_accessible(max_, "the action's page after the check")
    max_.screenshot(path=str(screenshot_dir / "action-page.png"), full_page=True)
    max_.set_viewport_size(PHONE)
    max_.screenshot(path=str(screenshot_dir / "action-page-phone.png"), full_page=True)
    max_.set_viewport_size({"width": 1280, "height": 800})

    max_.goto(f"/t/{p.team.slug}/actions/")
    expect(max_.locator(f"#action-{action.pk}")).to_contain_text("Yes")
    max_.screenshot(path=str(screenshot_dir / "actions-list.png"), full_page=True)
    max_.set_viewport_size(PHONE)
    assert_accessible(max_, "the action list on a phone")
    max_.screenshot(path=str(screenshot_dir / "actions-list-phone.png"), full_page=True)

    # The next review opens with what came of the last one's actions: its
    # open-actions phase lists the answer.
    max_.set_viewport_size({"width": 1280, "height": 800})
    following = advance_to(schedule(p, title="Sprint 15 retrospective"), Phase.FOLLOWUP, by=p.lead)
    assert action.pk in [a.pk for a in action_checks_for_review(review=following)]
    max_.goto(f"/r/{following.pk}/")
    board = max_.locator("main")
    expect(board).to_contain_text("Put the deploy freeze dates in the team calendar")
    expect(board).to_contain_text("Did it work? Yes")
    assert_accessible(max_, "the next review's open actions")

    # The answer counts on the team's insights page: it worked.
    max_.goto(f"/t/{p.team.slug}/insights/")
    expect(max_.get_by_role("heading", level=1)).to_have_text("Insights")
    expect(max_.locator("#actions .reading")).to_contain_text("worked")
    expect(max_.locator("table.by-month tfoot")).to_contain_text("Total")
    assert_accessible(max_, "the team's insights")
