"""The demo organization's insights tell the story of its six months."""

from __future__ import annotations

import io
import time

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from marblejar.accounts.models import User
from marblejar.notifications.models import Notification
from marblejar.pulse.models import Pulse
from marblejar.reviews.models import Action
from marblejar.reviews.services import action_reminders_due

pytestmark = pytest.mark.django_db


def test_the_demo_teams_insights_tell_six_months_of_learning():
    started = time.perf_counter()
    call_command("demo", stdout=io.StringIO())
    # Fast enough to run on every `make run DEMO=1`.
    assert time.perf_counter() - started < 30
    ben = User.objects.get(email="ben@demo.marblejar.org")
    client = Client()
    client.force_login(ben)
    response = client.get(reverse("insights:team", args=["platform"]))
    figures = response.context["figures"]
    readings = response.context["readings"]
    assert readings["safety"].startswith("Safety rose from")
    assert "larger than its uncertainty" in readings["safety"]
    assert len(figures.checks) == 5 and figures.checks[0].median < figures.checks[-1].median
    assert 0 < figures.by_leads < figures.reflections
    # Marbles drop every month, more towards the end.
    marbles = [m.marbles for m in figures.months[:-1]]
    assert all(marbles) and marbles[-1] > marbles[0]
    assert figures.actions.worked >= 1 and figures.actions.done >= 3
    worked = Action.objects.get(title="Pair on every incident")
    assert worked.check_result == "worked" and worked.review.title == "DNS outage debrief"
    # Each answer came when Marblejar asked: on the action's check date, after it was done.
    checked = Action.objects.filter(team__slug="platform").exclude(checked_at=None)
    assert checked.count() == 4
    for action in checked:
        assert timezone.localtime(action.checked_at).date() == action.check_on
        assert action.done_at < action.checked_at
    # A pulse whose results are hidden, and pulses with the lead's response.
    assert any(not p.shown for p in figures.pulses)
    newest = Pulse.objects.filter(team__slug="platform", published_at__isnull=False).first()
    assert newest.has_response and not newest.published_without_response
    # Seeding history told nobody about reviews that happened months ago, and
    # the first nightly run asks about no date that passed before the seeding;
    # an action due in the future is told when its day comes.
    assert not Notification.objects.filter(kind__startswith="review_").exists()
    assert action_reminders_due() == {"due": 0, "check": 0}
    rotate = Action.objects.get(title="Rotate the on-call handover to Monday mornings")
    assert action_reminders_due(today=rotate.due_on)["due"] == 1
    admin = Client()
    admin.force_login(User.objects.get(email="ada@demo.marblejar.org"))
    org = admin.get(reverse("insights:organization")).context["figures"]
    assert {t.name: t.reviews > 0 for t in org.teams} == {"Platform": True, "Product": True}
