"""One action whose reminder fails holds back no other, on either database."""

from __future__ import annotations

from datetime import timedelta

from django.db import connection
from django.utils import timezone

from marblejar.notifications.models import Notification
from marblejar.reviews import services
from marblejar.reviews.models import Action
from marblejar.reviews.services import actions as action_services


def make_action(p, title: str) -> Action:
    today = timezone.localdate()
    action = services.action_add(
        actor=p.member,
        team=p.team,
        title=title,
        expected_effect="Nobody is surprised.",
        due_on=today + timedelta(days=7),
        check_on=today + timedelta(days=21),
        owner=p.member2,
    )
    Action.objects.filter(pk=action.pk).update(due_on=today, check_on=today)
    return action


def test_a_database_error_on_one_action_does_not_stop_the_others(personas, monkeypatch):
    broken = make_action(personas, "Broken")
    fine = make_action(personas, "Fine")
    asked = action_services._asked

    def fails_for_the_broken_one(action):
        if action.pk == broken.pk:
            # A real database error, inside the run's transaction: on
            # PostgreSQL it aborts the transaction unless the item had its own.
            with connection.cursor() as cursor:
                cursor.execute("SELECT * FROM no_such_table")
        return asked(action)

    monkeypatch.setattr(action_services, "_asked", fails_for_the_broken_one)
    counts = action_services.action_reminders_due()
    assert counts == {"due": 1, "check": 1}
    assert set(Notification.objects.values_list("url", flat=True)) == {
        f"/actions/{fine.pk}/",
        f"/actions/{fine.pk}/#check",
    }
    # The broken one was not marked as told: the next run tries it again.
    broken.refresh_from_db()
    assert broken.due_told_for is None and broken.check_asked_for is None
    monkeypatch.setattr(action_services, "_asked", asked)
    assert action_services.action_reminders_due() == {"due": 1, "check": 1}
