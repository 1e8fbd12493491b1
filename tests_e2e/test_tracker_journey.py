"""An improvement action becomes a GitHub issue, and is done when the issue is closed.

GitHub is the loopback one of the tracker tests, running in this test
process; the Marblejar server is a real one (a subprocess) allowed to send
requests to loopback. A lead connects GitHub on the team's trackers page and
copies the webhook's address and secret; a member makes the action an issue
from its page; GitHub closes the issue and sends its signed webhook to the
server; the action shows done. Each page passes axe.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect

from conftest import Server, start_server
from marblejar.reviews import services
from marblejar.reviews.models import Action, ActionStatus
from marblejar.test import make_personas
from marblejar.trackers.models import Issue
from marblejar.trackers.tests import fake_trackers as ft
from tests_e2e.conftest import log_in
from tests_e2e.test_action_check_journey import seed_other_actions

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


@pytest.fixture
def live_marblejar(transactional_db, tmp_path: Path) -> Iterator[Server]:
    # The trackers of this journey are on loopback, which production refuses.
    server = start_server(
        tmp_path,
        redis_url=settings.REDIS_URL or None,
        extra_env={"MARBLEJAR_INTEGRATIONS_ALLOW_PRIVATE": "1"},
    )
    yield server
    server.stop()


@pytest.fixture
def github() -> Iterator[ft.FakeTrackers]:
    server = ft.FakeTrackers().start()
    yield server
    server.stop()


def test_an_action_becomes_a_github_issue_and_is_done_when_it_closes(
    live_marblejar, github, new_context, assert_accessible, screenshot_dir
):
    p = make_personas()
    today = timezone.localdate()
    seed_other_actions(p)
    action = services.action_add(
        actor=p.lead,
        team=p.team,
        title="Put the deploy freeze dates in the team calendar",
        expected_effect="Nobody is surprised by a freeze in the next release cycle.",
        due_on=today + timedelta(days=7),
        check_on=today + timedelta(days=28),
        owner=p.member,
    )

    # Lena connects the team's GitHub repository.
    lena = log_in(new_context(), p.lead.email)
    lena.goto(f"/t/{p.team.slug}/actions/")
    lena.screenshot(path=str(screenshot_dir / "actions-list-lead.png"))
    lena.get_by_role("link", name="Issue trackers").click()
    expect(lena.get_by_role("heading", level=1)).to_have_text("Issue trackers")
    assert_accessible(lena, "the trackers page, nothing connected")
    lena.get_by_text("Connect GitHub", exact=True).first.click()
    form = lena.locator("#connect-github form")
    form.get_by_label("API address").fill(github.url)
    form.get_by_label("Repository").fill(ft.GITHUB_REPO)
    form.get_by_label("Token").fill("github_pat_typo")
    form.get_by_label("Repository").fill("acme platform")
    form.get_by_role("button", name="Connect GitHub").click()
    expect(lena.locator("#connect-github")).to_contain_text("Give the repository as owner/name")
    form = lena.locator("#connect-github form")
    expect(form.get_by_label("Repository")).to_have_value("acme platform")
    form.get_by_label("Repository").fill(ft.GITHUB_REPO)
    form.get_by_label("Token").fill(ft.GITHUB_TOKEN)
    form.get_by_role("button", name="Connect GitHub").click()
    expect(lena.get_by_text("GitHub · acme/platform is connected.")).to_be_visible()
    hook_url = lena.locator("#hook-url").inner_text()
    secret = lena.locator("#hook-secret").inner_text()
    assert hook_url.startswith(live_marblejar.url + "/hooks/trackers/")
    assert ft.GITHUB_TOKEN not in lena.content()
    assert_accessible(lena, "the trackers page with the webhook's secret")
    lena.screenshot(path=str(screenshot_dir / "trackers-connected.png"), full_page=True)

    lena.goto(f"/t/{p.team.slug}/trackers/")
    expect(lena.locator(".tracker")).to_contain_text("ends in …")
    assert secret not in lena.content()
    lena.screenshot(path=str(screenshot_dir / "trackers-settings.png"), full_page=True)
    lena.set_viewport_size(PHONE)
    assert_accessible(lena, "the trackers page on a phone")
    lena.screenshot(path=str(screenshot_dir / "trackers-settings-phone.png"), full_page=True)

    # Max makes the action an issue from its page; a second click makes no second one.
    max_ = log_in(new_context(), p.member.email)
    max_.goto(f"/actions/{action.pk}/")
    # A double click, with GitHub slow to answer: both posts reach the server.
    github.delay = 0.5
    max_.get_by_role("button", name=re.compile("^Create an issue")).dblclick()
    link = max_.get_by_role("link", name="GitHub issue #1")
    expect(link).to_be_visible()
    github.delay = 0
    max_.reload()
    expect(link).to_have_attribute("href", "https://github.com/acme/platform/issues/1")
    [sent] = github.seen("POST", "/repos/acme/platform/issues")
    assert sent.body["title"] == action.title
    assert f"{live_marblejar.url}/actions/{action.pk}/" in sent.body["body"]
    assert Issue.objects.get(action=action).ref == "1"
    assert_accessible(max_, "the action's page with its issue")

    # GitHub closes the issue and tells Marblejar, signed with the secret Lena copied.
    answer = github.set_state("github", "1", closed=True, hook_url=hook_url, secret=secret)
    assert answer is not None and answer.status_code == 200
    max_.reload()
    expect(max_.locator(".action-state")).to_contain_text("Done")
    expect(max_.locator(".history")).to_contain_text("GitHub issue #1 was closed.")
    expect(max_.locator(".action-issue")).to_contain_text("Closed")
    assert Action.objects.get(pk=action.pk).status == ActionStatus.DONE
    max_.screenshot(path=str(screenshot_dir / "action-issue.png"), full_page=True)
    max_.set_viewport_size(PHONE)
    assert_accessible(max_, "the action's page on a phone")
    max_.screenshot(path=str(screenshot_dir / "action-issue-phone.png"), full_page=True)

    # On the team's list: the issue's link, and "Create an issue" on the others.
    max_.set_viewport_size(DESKTOP)
    max_.goto(f"/t/{p.team.slug}/actions/")
    row = max_.locator(f"#action-{action.pk}")
    expect(row).to_contain_text("GitHub issue #1")
    expect(row).to_contain_text("Done")
    expect(max_.get_by_role("button", name=re.compile("^Create an issue")).first).to_be_visible()
    assert_accessible(max_, "the action list with issues")
    max_.screenshot(path=str(screenshot_dir / "actions-list-issues.png"), full_page=True)
