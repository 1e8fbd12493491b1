"""The scheduled check: trackers without a working webhook are asked about linked issues."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from marblejar.lib import periodic
from marblejar.reviews.models import ActionEvent, ActionStatus
from marblejar.tests.forensics import run_queued_tasks
from marblejar.trackers import services
from marblejar.trackers.models import Issue, IssueState, Kind, Tracker
from marblejar.trackers.tasks import issues_check
from marblejar.trackers.tests.conftest import add_action, connect


def test_the_check_moves_actions_whose_issues_closed_and_reopened(personas, fake, github, jira):
    gh, _s = github
    jr, _s = jira
    first, second, third = (add_action(personas, title=f"Action {i}") for i in range(3))
    services.issue_create(actor=personas.member, action=first, tracker=gh)
    services.issue_create(actor=personas.member, action=second, tracker=gh)
    services.issue_create(actor=personas.member, action=third, tracker=jr)
    fake.set_state("github", "1", closed=True)
    fake.set_state("jira", "PLAT-1", closed=True)

    counts = services.issues_check()
    assert counts == {"trackers": 2, "checked": 3, "moved": 2}
    for action, status in ((first, "done"), (second, "open"), (third, "done")):
        action.refresh_from_db()
        assert action.status == status
    assert ActionEvent.objects.filter(action=first, note="GitHub issue #1 was closed.").exists()
    assert ActionEvent.objects.filter(
        action=third, note="Jira Cloud issue PLAT-1 was closed."
    ).exists()

    fake.set_state("github", "1", closed=False)
    services.issues_check()
    first.refresh_from_db()
    assert first.status == ActionStatus.OPEN
    gets = fake.seen("GET", "/repos/acme/platform/issues/")
    assert gets and all(r.headers["x-github-api-version"] == "2022-11-28" for r in gets)


def test_a_tracker_whose_webhook_speaks_is_not_asked(personas, fake, github, action):
    tracker, _secret = github
    services.issue_create(actor=personas.member, action=action, tracker=tracker)
    Tracker.objects.filter(pk=tracker.pk).update(hook_seen_at=timezone.now())
    assert services.issues_check()["trackers"] == 0
    assert fake.seen("GET", "/repos/") == []
    later = timezone.now() + services.HOOK_TRUSTED_FOR + timedelta(hours=1)
    assert services.issues_check(now=later)["checked"] == 1


def test_a_refused_token_is_noted_and_the_other_trackers_still_checked(personas, fake, gitlab):
    gl, _s = gitlab
    broken, _s = connect(personas, fake, Kind.GITHUB)
    a, b = add_action(personas, title="A"), add_action(personas, title="B")
    services.issue_create(actor=personas.member, action=a, tracker=broken)
    services.issue_create(actor=personas.member, action=b, tracker=gl)
    fake.github_token = "github_pat_rotated_away"
    fake.set_state("gitlab", "1", closed=True)
    counts = services.issues_check()
    assert counts["moved"] == 1
    broken.refresh_from_db()
    assert broken.last_error == "GitHub refused the token (401)."
    b.refresh_from_db()
    assert b.status == ActionStatus.DONE


def test_an_issue_deleted_in_the_tracker_does_not_stop_the_others(personas, fake, github):
    tracker, _s = github
    a, b = add_action(personas, title="A"), add_action(personas, title="B")
    services.issue_create(actor=personas.member, action=a, tracker=tracker)
    services.issue_create(actor=personas.member, action=b, tracker=tracker)
    del fake.issues[("github", "1")]
    fake.set_state("github", "2", closed=True)
    assert services.issues_check()["moved"] == 1
    tracker.refresh_from_db()
    assert "did not find issue #1" in tracker.last_error


@pytest.mark.django_db(transaction=True)
def test_it_runs_from_the_task_queue_every_half_hour(personas, fake, github, action):
    tracker, _s = github
    services.issue_create(actor=personas.member, action=action, tracker=tracker)
    fake.set_state("github", "1", closed=True)
    assert issues_check.module_path in periodic.REGISTRY
    periodic.ensure_scheduled()
    waiting = DBTaskResult.objects.get(task_path=issues_check.module_path, status="READY")
    assert timedelta(minutes=29) < waiting.run_after - timezone.now() <= timedelta(minutes=30)
    waiting.run_after = timezone.now() - timedelta(minutes=1)
    waiting.save()
    run_queued_tasks()
    action.refresh_from_db()
    assert action.status == ActionStatus.DONE
    assert Issue.objects.get(action=action).state == IssueState.CLOSED
    # and the next run is queued
    assert DBTaskResult.objects.filter(task_path=issues_check.module_path, status="READY").exists()
