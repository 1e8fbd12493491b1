"""Who hears back when: the person who went first, the person whose response dropped a
marble, and the leads when a crack arrives. Through the real services."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from marblejar.jar.tests.helpers import release_reports
from marblejar.lib.dates import moment
from marblejar.notifications.models import Notification
from marblejar.pulse import services as pulse_services
from marblejar.pulse.tests.factories import answers_for, open_pulse, set_k
from marblejar.reflections import services
from marblejar.reflections.tests.test_services import mistake
from marblejar.reviews import services as review_services
from marblejar.reviews.tests.helpers import schedule
from marblejar.tests.fixtures import fast_password_hashing  # noqa: F401
from marblejar.tests.forensics import run_queued_tasks

pytestmark = pytest.mark.django_db(transaction=True)


def heard(user) -> list[tuple[str, str]]:
    return [(n.kind, n.text) for n in Notification.objects.filter(recipient=user).order_by("id")]


def test_a_thank_you_tells_the_author_and_the_one_who_said_it(personas):
    reflection = mistake(personas)  # the lead goes first
    services.reaction_add(user=personas.member, reflection=reflection, kind="thanks")
    assert heard(personas.lead) == [
        (
            "reflection_reaction",
            "Max Member reacted “Thank you” to your reflection “I deployed on a Friday”.",
        ),
        (
            "reflection_marble",
            "Max Member said thank you when you shared “I deployed on a Friday”: the first "
            "respectful response, and a marble in Platform's jar.",
        ),
    ]
    assert heard(personas.member) == [
        (
            "response_marble",
            "You said thank you when Lena Lead shared “I deployed on a Friday”: that dropped a "
            "marble into Platform's jar.",
        )
    ]
    # A second response tells the author of it, but drops no second marble.
    services.comment_create(author=personas.member2, reflection=reflection, body="Thank you.")
    assert [k for k, _t in heard(personas.lead)][-1] == "reflection_comment"
    assert [k for k, _t in heard(personas.member2)] == []


def test_nobody_hears_about_their_own_response(personas):
    reflection = mistake(personas)
    services.comment_create(author=personas.lead, reflection=reflection, body="An update.")
    assert heard(personas.lead) == []


def test_the_leads_hear_of_a_crack_the_next_day_and_nobody_hears_who(personas):
    from marblejar.jar import services as jar_services

    jar_services.crack_report(actor=personas.member, team=personas.team, text="Talked over")
    assert not Notification.objects.exists()
    release_reports()
    [told] = Notification.objects.all()
    assert told.recipient == personas.lead and told.kind == "cracks_waiting"
    assert "Platform" in told.text and "Max" not in told.text and "Talked" not in told.text
    assert heard(personas.member) == []


def test_when_a_lead_acknowledges_a_crack_the_team_hears_and_nobody_hears_who(personas):
    """Nothing says who reported it, so the reporter hears back as one of the team."""
    from marblejar.jar import services as jar_services
    from marblejar.jar.models import Crack
    from marblejar.lib.dates import day
    from marblejar.notifications.models import Preference

    Preference.objects.create(user=personas.member2, kind="crack_acknowledged", channel="email")
    jar_services.crack_report(actor=personas.member, team=personas.team, text="Talked over")
    release_reports()
    crack = Crack.objects.get()
    Notification.objects.all().delete()
    jar_services.crack_acknowledge(actor=personas.lead, crack=crack, response="I will listen.")
    expected = (
        "crack_acknowledged",
        f"A lead of Platform acknowledged the crack reported on {day(crack.reported_on)}.",
    )
    assert heard(personas.member) == [expected]  # the reporter, among the team
    assert heard(personas.member2) == [expected]
    assert heard(personas.lead) == []  # not the one who acknowledged it
    assert heard(personas.other) == [] and heard(personas.admin) == []
    told = Notification.objects.get(recipient=personas.member2)
    assert told.by_email and told.url == f"/t/{personas.team.slug}/cracks/#crack-{crack.pk}"
    assert not Notification.objects.get(recipient=personas.member).by_email  # in the app
    for notification in Notification.objects.all():
        assert "Max" not in notification.text and "Talked" not in notification.text


def test_an_organization_wide_crack_acknowledged_tells_nobody(personas):
    from marblejar.jar import services as jar_services
    from marblejar.jar.models import Crack

    jar_services.crack_report(actor=personas.member, team=None, text="Talked over")
    release_reports()
    Notification.objects.all().delete()
    jar_services.crack_acknowledge(actor=personas.admin, crack=Crack.objects.get())
    assert not Notification.objects.exists()


def test_the_team_hears_that_a_review_is_scheduled_and_then_that_it_started(personas):
    starts = timezone.now() + timedelta(days=2)
    review = schedule(personas, scheduled_for=starts)
    expected = (
        "review_scheduled",
        f"Lena Lead scheduled the retrospective “Sprint 12 retrospective” for Platform "
        f"({moment(starts)}).",
    )
    assert heard(personas.member) == [expected]
    assert heard(personas.member2) == [expected]
    # Not the one who scheduled it, nor anyone outside the team.
    assert heard(personas.lead) == [] and heard(personas.other) == []
    review_services.review_advance_phase(actor=personas.lead, review=review)
    started = (
        "review_starting",
        "The retrospective “Sprint 12 retrospective” of Platform has started.",
    )
    assert heard(personas.member)[-1] == started
    assert heard(personas.lead) == []
    # Moving on from the check-in tells nobody again.
    review_services.review_advance_phase(actor=personas.lead, review=review)
    assert len(heard(personas.member)) == 2


def test_the_team_hears_the_leads_response_with_the_results_or_that_there_was_none(personas):
    set_k(personas.org, 3)
    people = (personas.lead, personas.member, personas.member2)
    for respond in (True, False):
        pulse = open_pulse(personas.lead, personas.team, k=3)
        for user in people:
            pulse_services.pulse_answer(actor=user, pulse=pulse, values=answers_for(pulse, 5))
        pulse_services.pulse_close(pulse=pulse, actor=personas.lead)
        if respond:
            pulse_services.pulse_respond(actor=personas.lead, pulse=pulse, heard="h", plan="p")
        else:
            pulse.refresh_from_db()
            pulse_services.pulse_advance_due(now=pulse.response_due_at + timedelta(minutes=1))
        run_queued_tasks()
    told = [(k, t) for k, t in heard(personas.member) if k.startswith("pulse_results")]
    assert told == [
        (
            "pulse_results",
            "The results of Platform's pulse “Psychological safety” are published, with the "
            "lead's response: what they hear and what they will do.",
        ),
        (
            "pulse_results_unanswered",
            "The results of Platform's pulse “Psychological safety” are published; the lead "
            "did not respond in time.",
        ),
    ]
