"""The weekly team digest: the week's team-level facts, by e-mail, to those who asked for it."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from marblejar.lib import periodic
from marblejar.notifications import tasks
from marblejar.notifications.models import Mailbox
from marblejar.pulse.tests.factories import set_k
from marblejar.pulse.tests.test_overview import run_pulse
from marblejar.reflections import services as reflection_services
from marblejar.reflections.models import Reflection
from marblejar.reflections.tests.test_services import mistake
from marblejar.reviews.models import Action
from marblejar.reviews.tests.helpers import schedule
from marblejar.tests.fixtures import fast_password_hashing  # noqa: F401
from marblejar.tests.forensics import run_queued_tasks

pytestmark = pytest.mark.django_db(transaction=True)


def monday_morning_comes() -> None:
    """The calendar task is due: the worker runs it, as `marblejar worker` would."""
    periodic.ensure_scheduled()
    DBTaskResult.objects.filter(
        task_path=tasks.send_weekly_digests.module_path, status="READY"
    ).update(run_after=timezone.now() - timedelta(minutes=1))
    run_queued_tasks()


def a_week_of_platform(personas) -> dict[str, object]:
    """A reflection thanked (a marble), a review ended, an action due soon, a pulse published;
    and a reflection of the week before, which is not this week's news."""
    old = mistake(personas)
    Reflection.objects.filter(pk=old.pk).update(
        title="An old story", published_at=timezone.now() - timedelta(days=10)
    )
    shared = reflection_services.reflection_create(
        author=personas.member2,
        team=personas.team,
        kind="help",
        title="I cannot read the flame graphs",
        body="The profiler output means little to me yet.",
        publish=True,
    )
    reflection_services.reaction_add(user=personas.lead, reflection=shared, kind="thanks")
    review = schedule(personas, title="Sprint 30 retrospective")
    review.phase, review.closed_at = "closed", timezone.now() - timedelta(days=1)
    review.save(update_fields=["phase", "closed_at"])
    Action.objects.create(
        organization=personas.org,
        team=personas.team,
        review=review,
        title="Time-box the stand-up to fifteen minutes",
        due_on=timezone.localdate() + timedelta(days=3),
        created_by=personas.lead,
    )
    set_k(personas.org, 3)
    pulse = run_pulse(
        personas.lead,
        personas.team,
        [personas.lead, personas.member, personas.member2],
        value=5,
        k=3,
    )
    return {"shared": shared, "review": review, "pulse": pulse}


def test_those_who_asked_get_the_teams_week_and_a_link_that_stops_it(personas):
    Mailbox.objects.create(user=personas.member, weekly_digest=True)
    Mailbox.objects.create(user=personas.other, weekly_digest=True)  # Product had a quiet week
    a_week_of_platform(personas)
    run_queued_tasks()  # the notifications' own e-mails go first
    mail.outbox.clear()

    monday_morning_comes()

    [digest] = mail.outbox  # member2 and the lead did not ask; Product had nothing to tell
    assert digest.to == [personas.member.email]
    assert digest.subject == "The week of Platform in Marblejar"
    body = digest.body
    assert "I cannot read the flame graphs" in body
    assert "An old story" not in body
    assert "The jar gained 1 marble: an act of courage met with respect." in body
    assert "Sprint 30 retrospective" in body
    assert "Time-box the stand-up to fifteen minutes" in body
    assert "Psychological safety" in body
    # Team facts only: nobody's name stands beside anything they did.
    for name in ("Lena Lead", "Mia Member"):
        assert name not in body

    # A second run in the same week sends nothing more.
    mail.outbox.clear()
    monday_morning_comes()
    assert mail.outbox == []

    # The link at the end stops it, without logging in.
    stop = re.search(r"(https?://\S+/unsubscribe/\S+)", body).group(1)
    path = "/" + stop.split("/", 3)[3]
    assert Client().post(path, {"List-Unsubscribe": "One-Click"}).status_code == 200
    assert not Mailbox.objects.get(user=personas.member).weekly_digest
