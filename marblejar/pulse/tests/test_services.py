from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from marblejar.pulse import sealing, services
from marblejar.pulse.models import Answer, Ballot, Comment, Participation, Pulse, PulseResult
from marblejar.pulse.tests.factories import add_members, answers_for, open_pulse, set_k
from marblejar.tests.forensics import run_queued_tasks

pytestmark = pytest.mark.django_db


def test_it_takes_one_answer_per_person(personas):
    pulse = open_pulse(personas.lead, personas.team)
    services.pulse_answer(actor=personas.member, pulse=pulse, values=answers_for(pulse, 5))
    with pytest.raises(ValidationError, match="already answered"):
        services.pulse_answer(actor=personas.member, pulse=pulse, values=answers_for(pulse, 2))
    assert Participation.objects.filter(pulse=pulse).count() == 1
    pulse.refresh_from_db()
    assert pulse.participant_count == 1


def test_it_refuses_answers_to_a_closed_pulse(personas):
    pulse = open_pulse(personas.lead, personas.team)
    services.pulse_close(pulse=pulse, actor=personas.lead)
    with pytest.raises(ValidationError, match="closed"):
        services.pulse_answer(actor=personas.member, pulse=pulse, values=answers_for(pulse, 5))


def test_it_refuses_answers_after_the_closing_time_even_before_the_clock_closed_it(personas):
    pulse = open_pulse(personas.lead, personas.team)
    later = pulse.closes_at + timedelta(minutes=1)
    with pytest.raises(ValidationError, match="closed"):
        services.pulse_answer(
            actor=personas.member, pulse=pulse, values=answers_for(pulse, 5), now=later
        )


def test_it_refuses_people_outside_the_team(personas):
    pulse = open_pulse(personas.lead, personas.team)
    for name in ("other", "admin", "outsider"):
        with pytest.raises(PermissionDenied):
            services.pulse_answer(
                actor=getattr(personas, name), pulse=pulse, values=answers_for(pulse, 5)
            )


def test_it_checks_every_answer_is_on_the_scale(personas):
    pulse = open_pulse(personas.lead, personas.team)
    values = answers_for(pulse, 5)
    first, second = list(values)[:2]
    values[first] = 9
    del values[second]
    with pytest.raises(ValidationError) as exc:
        services.pulse_answer(actor=personas.member, pulse=pulse, values=values)
    assert set(exc.value.message_dict) == {first, second}
    assert not Participation.objects.exists()


def test_only_a_lead_schedules_and_never_below_the_organization_threshold(personas):
    with pytest.raises(PermissionDenied):
        open_pulse(personas.member, personas.team)
    with pytest.raises(ValidationError) as exc:
        open_pulse(personas.lead, personas.team, k=3)  # the organization default is 5
    assert "min_group_size" in exc.value.message_dict
    set_k(personas.org, 3)
    assert open_pulse(personas.lead, personas.team, k=3).min_group_size == 3


def test_the_organization_threshold_is_never_below_three(personas):
    with pytest.raises(ValidationError) as exc:
        services.pulse_settings_update(
            actor=personas.admin, min_group_size=2, min_comment_group_size=5
        )
    assert "min_group_size" in exc.value.message_dict
    with pytest.raises(PermissionDenied):
        services.pulse_settings_update(
            actor=personas.lead, min_group_size=4, min_comment_group_size=5
        )


def test_closing_unseals_the_ballot_and_computes_results(personas):
    set_k(personas.org, 3)
    pulse = open_pulse(personas.lead, personas.team, k=3)
    for user, value in [(personas.member, 6), (personas.member2, 4), (personas.lead, 5)]:
        services.pulse_answer(
            actor=user, pulse=pulse, values=answers_for(pulse, value), comment=f"c{value}"
        )
    assert Ballot.objects.filter(pulse=pulse).exists()
    assert not Answer.objects.exists()
    services.pulse_close(pulse=pulse, actor=personas.lead)
    assert not Ballot.objects.exists()
    assert Answer.objects.filter(pulse=pulse).count() == 3
    assert sorted(Comment.objects.values_list("text", flat=True)) == ["c4", "c5", "c6"]
    result = PulseResult.objects.get(pulse=pulse)
    assert result.n == 3
    # Reverse-keyed items recode 6 to 2 on a 1-7 scale: the score is not simply 6.
    keyed = [v if not item["reverse"] else 8 - v for v in (6, 4, 5) for item in pulse.items]
    assert result.mean == pytest.approx(sum(keyed) / len(keyed))


def test_closing_twice_changes_nothing(personas):
    pulse = open_pulse(personas.lead, personas.team)
    services.pulse_answer(actor=personas.member, pulse=pulse, values=answers_for(pulse, 5))
    services.pulse_close(pulse=pulse, actor=personas.lead)
    services.pulse_close(pulse=pulse)
    assert Answer.objects.count() == 1


def test_results_go_to_the_lead_first_and_then_to_the_team_with_the_response(personas):
    from marblejar import permissions

    pulse = open_pulse(personas.lead, personas.team)
    services.pulse_close(pulse=pulse, actor=personas.lead)
    pulse.refresh_from_db()
    assert permissions.can(personas.lead, "pulse.results", pulse)
    assert not permissions.can(personas.member, "pulse.results", pulse)
    assert not permissions.can(personas.admin, "pulse.results", pulse)
    with pytest.raises(PermissionDenied):
        services.pulse_respond(actor=personas.member, pulse=pulse, heard="x", plan="y")
    with pytest.raises(ValidationError) as exc:
        services.pulse_respond(actor=personas.lead, pulse=pulse, heard=" ", plan="")
    assert set(exc.value.message_dict) == {"heard", "plan"}
    services.pulse_respond(
        actor=personas.lead, pulse=pulse, heard="I hear worry.", plan="We will talk."
    )
    pulse.refresh_from_db()
    assert pulse.is_published and not pulse.published_without_response
    assert permissions.can(personas.member, "pulse.results", pulse)
    assert not permissions.can(personas.other, "pulse.results", pulse)
    assert not permissions.can(personas.outsider, "pulse.results", pulse)


def test_results_publish_themselves_when_the_lead_has_not_responded_in_time(personas, settings):
    settings.PULSE_RESPONSE_DAYS = 7
    pulse = open_pulse(personas.lead, personas.team)
    after_close = pulse.closes_at + timedelta(minutes=1)
    assert services.pulse_advance_due(now=after_close)["closed"] == 1
    pulse.refresh_from_db()
    assert pulse.closed_at == pulse.closes_at
    six_days = pulse.closes_at + timedelta(days=6)
    assert services.pulse_advance_due(now=six_days)["published"] == 0
    eight_days = pulse.closes_at + timedelta(days=7, minutes=1)
    assert services.pulse_advance_due(now=eight_days)["published"] == 1
    pulse.refresh_from_db()
    assert pulse.is_published and pulse.published_without_response
    assert services.pulse_advance_due(now=eight_days)["published"] == 0


def test_the_response_period_is_configurable(personas, settings):
    settings.PULSE_RESPONSE_DAYS = 2
    pulse = open_pulse(personas.lead, personas.team)
    services.pulse_advance_due(now=pulse.closes_at + timedelta(minutes=1))
    services.pulse_advance_due(now=pulse.closes_at + timedelta(days=2, minutes=1))
    pulse.refresh_from_db()
    assert pulse.published_without_response


def test_the_worker_task_advances_a_pulse(personas):
    from marblejar.pulse import tasks

    pulse = open_pulse(personas.lead, personas.team)
    Pulse.objects.filter(pk=pulse.pk).update(closes_at=timezone.now() - timedelta(seconds=1))
    assert tasks.pulse_advance.call(pulse_id=pulse.pk)["closed"] == 1


def test_scheduling_enqueues_the_transitions(personas, django_capture_on_commit_callbacks):
    from django_tasks_db.models import DBTaskResult

    with django_capture_on_commit_callbacks(execute=True):
        pulse = open_pulse(personas.lead, personas.team)
    due = sorted(DBTaskResult.objects.values_list("run_after", flat=True))
    assert len(due) == 4
    assert due[0] == pulse.opens_at and due[2] == pulse.closes_at


def test_a_recurring_pulse_schedules_its_next_run_when_it_closes(personas):
    pulse = open_pulse(personas.lead, personas.team, cadence="fortnightly")
    services.pulse_close(pulse=pulse, actor=personas.lead)
    following = Pulse.objects.get(series=pulse.series, sequence=2)
    assert following.opens_at == pulse.opens_at + timedelta(weeks=2)
    assert following.closed_at is None


@pytest.mark.django_db(transaction=True)
def test_people_are_told_when_a_pulse_opens_and_reminded_if_they_have_not_answered(personas):
    pulse = open_pulse(personas.lead, personas.team)
    services.pulse_answer(actor=personas.member, pulse=pulse, values=answers_for(pulse, 5))
    services.pulse_advance_due()
    # The e-mail is queued, never sent inline: the worker sends it.
    assert mail.outbox == []
    run_queued_tasks()
    opened = [m.to[0] for m in mail.outbox]
    assert sorted(opened) == sorted(
        [personas.lead.email, personas.member.email, personas.member2.email]
    )
    mail.outbox.clear()
    late = pulse.opens_at + (pulse.closes_at - pulse.opens_at) * 0.8
    assert services.pulse_advance_due(now=late)["reminded"] == 1
    assert services.pulse_advance_due(now=late)["reminded"] == 0
    assert mail.outbox == []
    run_queued_tasks()
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [personas.lead.email, personas.member2.email]
    )


def test_a_custom_instrument_is_checked_and_usable(personas):
    with pytest.raises(ValidationError) as exc:
        services.instrument_create(
            actor=personas.lead, team=personas.team, name="", scale_points=12, items=[]
        )
    assert set(exc.value.message_dict) == {"name", "scale_points", "items"}
    instrument = services.instrument_create(
        actor=personas.lead,
        team=personas.team,
        name="Meetings",
        scale_points=5,
        items=[{"text": "Meetings end on time."}, {"text": "I dread meetings.", "reverse": True}],
    )
    pulse = open_pulse(personas.lead, personas.team, instrument=instrument.slug)
    assert [i["reverse"] for i in pulse.items] == [False, True]
    assert pulse.scale == (1, 5)
    with pytest.raises(ValidationError):
        open_pulse(personas.other, personas.other_team, instrument=instrument.slug)


def test_participation_counts_are_published_live_without_names(
    personas, django_capture_on_commit_callbacks
):
    from marblejar.realtime.models import Event

    pulse = open_pulse(personas.lead, personas.team)
    add_members(personas.team, personas.org, 1)
    with django_capture_on_commit_callbacks(execute=True):
        services.pulse_answer(actor=personas.member, pulse=pulse, values=answers_for(pulse, 5))
    event = Event.objects.get(kind="pulse_participation")
    assert event.payload == {"pulse_id": pulse.pk, "count": 1}
    assert event.stream == f"team:{personas.team.pk}"


def test_a_pulse_that_cannot_close_never_holds_back_the_others(personas):
    from django.test import override_settings

    from marblejar.pulse.models import Ballot

    set_k(personas.org, 3)
    broken = open_pulse(personas.lead, personas.team, k=3)
    fine = open_pulse(personas.lead, personas.team, k=3)
    for pulse in (broken, fine):
        services.pulse_answer(actor=personas.member, pulse=pulse, values=answers_for(pulse, 4))
    # A ballot sealed under a key since replaced cannot be opened.
    with override_settings(SECRET_KEY="another key, long enough to be a key " * 2):
        Ballot.objects.filter(pulse=broken).update(sealed=sealing.seal([("4444444", "")]))
    later = timezone.now() + timedelta(days=4)
    done = services.pulse_advance_due(now=later)
    assert done["closed"] == 1 and done["failed"] == 1
    fine.refresh_from_db()
    broken.refresh_from_db()
    assert fine.closed_at is not None and broken.closed_at is None
