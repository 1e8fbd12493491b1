"""The nightly run: "due today" and "did it work?" on the check date, by the real worker.

The clock is moved the way time passes for an action: its dates are changed
in the database, then the queued nightly run is made due and the worker
(``db_worker``, as ``marblejar worker`` runs it) picks it up.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from marblejar.lib import periodic
from marblejar.notifications.models import Notification
from marblejar.reviews import services
from marblejar.reviews.models import Action, ActionEvent
from marblejar.reviews.services.actions import RECHECK_AFTER
from marblejar.reviews.tasks_actions import action_reminders
from marblejar.tests.fixtures import fast_password_hashing  # noqa: F401
from marblejar.tests.forensics import run_queued_tasks

pytestmark = pytest.mark.django_db(transaction=True)


def night_falls() -> None:
    """Let the nightly action run happen now, through the task queue."""
    periodic.ensure_scheduled()
    waiting = DBTaskResult.objects.filter(task_path=action_reminders.module_path, status="READY")
    assert waiting.count() == 1
    waiting.update(run_after=timezone.now() - timedelta(minutes=1))
    run_queued_tasks()
    assert DBTaskResult.objects.filter(
        task_path=action_reminders.module_path, status="SUCCESSFUL"
    ).exists()


def move_dates(action: Action, **dates) -> None:
    Action.objects.filter(pk=action.pk).update(**dates)
    action.refresh_from_db()


def told(kind: str) -> list[tuple[int, str]]:
    return list(
        Notification.objects.filter(kind=kind)
        .order_by("recipient_id")
        .values_list("recipient_id", "url")
    )


def make_action(p, owner=None) -> Action:
    today = timezone.localdate()
    return services.action_add(
        actor=p.member,
        team=p.team,
        title="Write the freeze dates in the calendar",
        expected_effect="Nobody is surprised by a freeze.",
        due_on=today + timedelta(days=7),
        check_on=today + timedelta(days=21),
        owner=owner,
    )


def test_the_owner_is_asked_on_the_check_date_once(personas, client):
    action = make_action(personas, owner=personas.member2)
    night_falls()
    assert told("action_check") == [] and told("action_due") == []
    # Three weeks on: the check date is today (and the due date has passed).
    today = timezone.localdate()
    move_dates(action, due_on=today - timedelta(days=1), check_on=today)
    # Reading the pages tells nobody: only the nightly run does.
    client.force_login(personas.member2)
    client.get(f"/t/{personas.team.slug}/actions/")
    client.get(f"/actions/{action.pk}/")
    assert not Notification.objects.exists()
    night_falls()
    url = f"/actions/{action.pk}/"
    assert told("action_check") == [(personas.member2.pk, url + "#check")]
    assert told("action_due") == [(personas.member2.pk, url)]
    text = Notification.objects.get(kind="action_check").text
    assert "did it have the effect we expected?" in text and action.title in text
    assert ActionEvent.objects.filter(action=action, kind="asked").count() == 1
    # The next night asks nothing again.
    night_falls()
    assert len(told("action_check")) == 1 and len(told("action_due")) == 1


def test_a_team_owned_action_asks_the_leads(personas):
    action = make_action(personas)
    move_dates(action, check_on=timezone.localdate())
    night_falls()
    assert [r for r, _url in told("action_check")] == [personas.lead.pk]


def test_an_owner_who_left_the_team_hands_the_question_to_the_leads(personas):
    action = make_action(personas, owner=personas.member2)
    personas.membership(personas.member2).delete()
    move_dates(action, check_on=timezone.localdate())
    night_falls()
    assert [r for r, _url in told("action_check")] == [personas.lead.pk]


def test_too_early_to_tell_is_asked_again_four_weeks_later(personas):
    action = make_action(personas, owner=personas.member)
    move_dates(action, check_on=timezone.localdate())
    night_falls()
    services.action_check(actor=personas.member, action=action, result="too_early")
    night_falls()
    assert len(told("action_check")) == 1
    # Four weeks go by.
    assert action.check_on == timezone.localdate() + RECHECK_AFTER
    move_dates(action, check_on=timezone.localdate())
    night_falls()
    assert len(told("action_check")) == 2
    # An answer that is not "too early" is final: nobody is asked again.
    services.action_check(actor=personas.member, action=action, result="worked")
    move_dates(action, check_on=timezone.localdate() - timedelta(days=1))
    night_falls()
    assert len(told("action_check")) == 2


def test_dropped_and_finished_actions_are_not_chased(personas):
    dropped = make_action(personas, owner=personas.member)
    services.action_set_status(
        actor=personas.member, action=dropped, status="dropped", note="Moot."
    )
    done = make_action(personas, owner=personas.member)
    services.action_set_status(actor=personas.member, action=done, status="done")
    today = timezone.localdate()
    for action in (dropped, done):
        move_dates(action, due_on=today, check_on=today)
    night_falls()
    # Done is not "due", but whether it worked is asked; dropped is asked nothing.
    assert told("action_due") == []
    assert told("action_check") == [(personas.member.pk, f"/actions/{done.pk}/#check")]


def test_a_due_date_long_past_is_not_announced(personas):
    action = make_action(personas, owner=personas.member)
    move_dates(action, due_on=timezone.localdate() - timedelta(days=30))
    night_falls()
    assert told("action_due") == []
