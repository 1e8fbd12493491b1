"""Reads never send e-mail nor wait for one: e-mail goes out from the task queue, and a
page catches up only on what is overdue, at the cost of one query."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from marblejar.pulse import notify, services
from marblejar.pulse.models import Pulse
from marblejar.pulse.tests.factories import answers_for, open_pulse, set_k
from marblejar.tests.forensics import run_queued_tasks

TEAM = reverse("teams:detail", args=["platform"])


def queued_mail() -> list[tuple[int, str]]:
    from django_tasks_db.models import DBTaskResult

    from marblejar.pulse import tasks

    return sorted(
        (r.args_kwargs["kwargs"]["pulse_id"], r.args_kwargs["kwargs"]["kind"])
        for r in DBTaskResult.objects.filter(task_path=tasks.pulse_mail.module_path)
    )


@pytest.mark.django_db(transaction=True)
def test_closing_queues_the_leads_e_mail_and_the_worker_sends_it(personas, client_for):
    set_k(personas.org, 3)
    pulse = open_pulse(personas.lead, personas.team, k=3)
    for user in (personas.member, personas.member2, personas.lead):
        services.pulse_answer(actor=user, pulse=pulse, values=answers_for(pulse, 5))
    mail.outbox.clear()
    response = client_for("lead").post(reverse("pulse:close", args=["platform", pulse.pk]))
    assert response.status_code == 302
    # The request is over, the transaction committed: nothing was sent in it.
    assert mail.outbox == []
    assert (pulse.pk, notify.RESULTS_READY) in queued_mail()
    run_queued_tasks()
    [message] = [m for m in mail.outbox if "You see the results first" in m.body]
    assert message.to == [personas.lead.email]
    assert "3 people answered" in message.body


@pytest.mark.django_db(transaction=True)
def test_results_published_before_the_worker_ran_need_no_e_mail(personas):
    pulse = open_pulse(personas.lead, personas.team)
    services.pulse_close(pulse=pulse, actor=personas.lead)
    services.pulse_respond(actor=personas.lead, pulse=pulse, heard="Heard.", plan="Plan.")
    run_queued_tasks()
    assert not [m for m in mail.outbox if "You see the results first" in m.body]


@pytest.mark.django_db
def test_a_page_read_costs_one_query_when_nothing_is_overdue(personas, django_assert_num_queries):
    open_pulse(personas.lead, personas.team)
    with django_assert_num_queries(1):
        assert services.pulse_catch_up(team=personas.team) is False


@pytest.mark.django_db
def test_a_page_read_closes_an_overdue_pulse_and_sends_nothing(
    personas, client_for, django_capture_on_commit_callbacks
):
    pulse = open_pulse(personas.lead, personas.team)
    Pulse.objects.filter(pk=pulse.pk).update(closes_at=timezone.now() - timedelta(minutes=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert client_for("member").get(TEAM).status_code == 200
    pulse.refresh_from_db()
    assert pulse.closed_at is not None
    assert mail.outbox == []
    assert queued_mail() == [(pulse.pk, notify.RESULTS_READY)]


@pytest.mark.django_db
def test_a_page_read_leaves_announcements_to_the_worker(
    personas, client_for, django_capture_on_commit_callbacks
):
    # Open and due to be announced, and a reminder due too: a read does neither.
    pulse = open_pulse(personas.lead, personas.team)
    Pulse.objects.filter(pk=pulse.pk).update(opens_at=timezone.now() - timedelta(days=10))
    with django_capture_on_commit_callbacks(execute=True):
        for url in (TEAM, reverse("pulse:list", args=["platform"])):
            assert client_for("member").get(url).status_code == 200
    pulse.refresh_from_db()
    assert not pulse.open_notified and not pulse.reminded
    assert mail.outbox == [] and queued_mail() == []
    # The worker's tick does it.
    with django_capture_on_commit_callbacks(execute=True):
        done = services.pulse_advance_due()
    assert done["opened"] == 1 and done["reminded"] == 1
    assert queued_mail() == [(pulse.pk, notify.OPENED), (pulse.pk, notify.REMINDER)]
