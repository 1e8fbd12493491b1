"""Asynchronous reviews: they close on their own at their "open until" time,
people are reminded a day before, and the facilitator can move the time.

The clock is passed in as ``now=`` where a service is called directly; where
a page or the worker reads the real clock, the review's time is moved into
the past instead, as if the days had gone by.
"""

from __future__ import annotations

import json
import re
import threading
from datetime import datetime, timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from marblejar.lib.dates import moment
from marblejar.realtime.models import Event
from marblejar.reviews import services, tasks
from marblejar.reviews.models import CLOSING_SOON, Phase, Review
from marblejar.reviews.tests.helpers import advance_to, schedule
from marblejar.test import Personas

SECRET = "I restarted the wrong node"


def async_review(p: Personas, *, days: float = 3, **extra) -> Review:
    return schedule(p, mode="async", open_until=timezone.now() + timedelta(days=days), **extra)


def time_passes(review: Review, *, past_close: timedelta = timedelta(minutes=5)) -> None:
    """Move the review's close into the past, as if the days had gone by."""
    Review.objects.filter(pk=review.pk).update(open_until=timezone.now() - past_close)
    review.refresh_from_db()


def closing_events(review: Review) -> int:
    return Event.objects.filter(
        stream=review.stream, kind="review_phase", payload__phase=Phase.CLOSED
    ).count()


def patch(client, review: Review, body: dict):
    response = client.generic(
        "PATCH", f"/api/v1/reviews/{review.pk}", json.dumps(body), content_type="application/json"
    )
    return response.status_code, response.json()


def local(when: datetime) -> str:
    return timezone.localtime(when).strftime("%Y-%m-%dT%H:%M")


# Closing on its own --------------------------------------------------------------


@pytest.mark.django_db
def test_it_closes_a_past_due_review_on_the_next_board_view(personas, client_for):
    review = advance_to(async_review(personas), Phase.REFLECT, by=personas.lead)
    time_passes(review)
    open_until = review.open_until
    html = client_for("member").get(reverse("reviews:board", args=[review.pk])).content.decode()
    review.refresh_from_db()
    assert review.phase == Phase.CLOSED and review.closed_by_clock
    assert review.closed_at == open_until
    assert review.closed_from == Phase.REFLECT
    assert "This review is closed" in html
    assert "closed on its own at its open-until time" in html
    summary = client_for("member").get(reverse("reviews:summary", args=[review.pk]))
    assert "It closed on its own at its open-until time" in summary.content.decode()


@pytest.mark.django_db
def test_a_note_sent_after_the_time_is_refused_and_the_review_closes_first(personas, client_for):
    review = advance_to(async_review(personas), Phase.REFLECT, by=personas.lead)
    time_passes(review)
    board = client_for("member").post(
        reverse("reviews:note_add", args=[review.pk]),
        {"column": "puzzled", "text": SECRET},
        headers={"HX-Request": "true"},
    )
    # The closed board, why nothing was added, and what they wrote, to keep.
    html = board.content.decode()
    assert board.status_code == 200
    assert "This review is closed" in html
    assert "nothing more can be added to it" in html
    assert SECRET in html
    api = client_for("member2").post(
        f"/api/v1/reviews/{review.pk}/notes",
        {"column": "puzzled", "text": SECRET},
        content_type="application/json",
    )
    assert api.status_code == 403, api.content
    assert "nothing more can be added to it" in api.json()["detail"]
    review.refresh_from_db()
    assert review.phase == Phase.CLOSED and review.closed_by_clock
    assert not review.notes.exists()


@pytest.mark.django_db
def test_the_api_and_the_list_catch_up_too(personas, client_for):
    first, second = async_review(personas), async_review(personas, title="Second")
    time_passes(first)
    time_passes(second)
    response = client_for("member").get(f"/api/v1/reviews/{first.pk}")
    assert response.json()["phase"] == "closed" and response.json()["closed_by_clock"]
    html = client_for("member").get(reverse("reviews:list", args=["platform"])).content.decode()
    second.refresh_from_db()
    assert second.is_closed and "closed on its own at its open-until time" in html


@pytest.mark.django_db
def test_the_worker_task_closes_it_with_no_page_view(personas):
    review = advance_to(async_review(personas), Phase.REFLECT, by=personas.lead)
    time_passes(review)
    assert tasks.review_advance.call(review_id=review.pk) == {
        "closed": 1,
        "reminded": 0,
        "failed": 0,
    }
    review.refresh_from_db()
    assert review.is_closed and review.closed_by_clock


@pytest.mark.django_db
def test_it_closes_from_the_vote_phase_with_the_votes_counted_once(
    personas, django_capture_on_commit_callbacks
):
    review = advance_to(async_review(personas), Phase.VOTE, by=personas.lead)
    theme = review.themes.get()
    theme.review = review
    services.vote_cast(actor=personas.member, theme=theme)
    services.vote_cast(actor=personas.member2, theme=theme)
    later = review.open_until + timedelta(minutes=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.review_advance_due(now=later)["closed"] == 1
        assert services.review_advance_due(now=later)["closed"] == 0
        assert services.review_advance_due(now=later + timedelta(days=1))["closed"] == 0
    review.refresh_from_db()
    theme.refresh_from_db()
    assert theme.vote_count == 2  # a second close would have counted no votes
    assert review.closed_at == review.open_until
    assert closing_events(review) == 1


@pytest.mark.django_db
def test_the_facilitators_close_and_the_clocks_do_not_both_happen(personas):
    review = advance_to(async_review(personas), Phase.CLOSED, by=personas.lead)
    closed_at = review.closed_at
    assert not review.closed_by_clock
    later = review.open_until + timedelta(minutes=1)
    assert services.review_advance_due(now=later)["closed"] == 0
    review.refresh_from_db()
    assert review.closed_at == closed_at and not review.closed_by_clock


@pytest.mark.django_db
def test_a_live_review_is_never_closed_by_the_clock(personas, client_for):
    review = advance_to(schedule(personas), Phase.REFLECT, by=personas.lead)
    time_passes(review)  # a time a live review should not even have
    far = timezone.now() + timedelta(days=365)
    assert services.review_advance_due(now=far) == {"closed": 0, "reminded": 0, "failed": 0}
    client_for("member").get(reverse("reviews:board", args=[review.pk]))
    review.refresh_from_db()
    assert review.phase == Phase.REFLECT


@pytest.mark.django_db
def test_closing_before_the_reveal_keeps_the_notes_private(personas, client_for):
    review = advance_to(async_review(personas), Phase.REFLECT, by=personas.lead)
    services.note_add(actor=personas.member, review=review, column="puzzled", text=SECRET)
    time_passes(review)
    summary = reverse("reviews:summary", args=[review.pk])
    others = client_for("member2").get(summary).content.decode()
    assert SECRET not in others
    assert "before the notes were revealed" in others
    assert SECRET in client_for("member").get(summary).content.decode()
    markdown = client_for("lead").get(reverse("reviews:summary_md", args=[review.pk]))
    assert SECRET not in markdown.content.decode()
    status = client_for("member2").get(f"/api/v1/reviews/{review.pk}/notes")
    assert status.json() == []


# The worker, for real ------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_scheduling_enqueues_the_reminder_and_the_close_and_the_worker_closes_it(personas):
    from django_tasks_db.models import DBTaskResult

    review = async_review(personas, days=3)
    # The review's own clock; the team's "review scheduled" e-mails are queued too.
    clock = DBTaskResult.objects.exclude(task_path__startswith="marblejar.notifications.")
    due = sorted(clock.values_list("run_after", flat=True))
    assert due == [review.open_until - CLOSING_SOON, review.open_until]
    # Three days go by: the review's time and its tasks' are now in the past.
    shift = review.open_until - timezone.now() + timedelta(minutes=1)
    Review.objects.filter(pk=review.pk).update(
        open_until=review.open_until - shift, reminder_due_at=review.reminder_due_at - shift
    )
    for result in DBTaskResult.objects.all():
        result.run_after -= shift
        result.save(update_fields=["run_after"])
    call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0", verbosity=0)
    review.refresh_from_db()
    assert review.is_closed and review.closed_by_clock
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {"SUCCESSFUL"}
    assert closing_events(review) == 1


@pytest.mark.django_db(transaction=True)
def test_processes_catching_up_at_once_close_it_once(personas):
    review = advance_to(async_review(personas), Phase.VOTE, by=personas.lead)
    theme = review.themes.get()
    theme.review = review
    services.vote_cast(actor=personas.member, theme=theme)
    later = review.open_until + timedelta(minutes=1)
    start = threading.Barrier(4)
    closed: list[int] = []

    def catch_up() -> None:
        try:
            start.wait()
            closed.append(services.review_advance_due(now=later)["closed"])
        finally:
            connection.close()

    threads = [threading.Thread(target=catch_up) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(closed) == [0, 0, 0, 1]
    theme.refresh_from_db()
    assert theme.vote_count == 1
    assert closing_events(review) == 1


# Reminders -----------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("anonymous", [False, True], ids=["named", "anonymous"])
def test_it_reminds_the_people_who_have_not_taken_part_once(
    personas, django_capture_on_commit_callbacks, anonymous
):
    review = advance_to(
        async_review(personas, anonymous=anonymous), Phase.REFLECT, by=personas.lead
    )
    services.note_add(actor=personas.member, review=review, column="puzzled", text="n")
    assert review.reminder_due_at == review.open_until - CLOSING_SOON
    with django_capture_on_commit_callbacks(execute=True):
        early = review.open_until - timedelta(hours=25)
        assert services.review_advance_due(now=early)["reminded"] == 0
        now = review.open_until - timedelta(hours=23)
        assert services.review_advance_due(now=now)["reminded"] == 1
        assert services.review_advance_due(now=now)["reminded"] == 0
    assert sorted(m.to[0] for m in mail.outbox) == [personas.lead.email, personas.member2.email]
    reminder = next(m for m in mail.outbox if m.to == [personas.member2.email])
    url = settings.SITE_URL + reverse("reviews:board", args=[review.pk])
    assert reminder.subject.startswith("Reminder:") and review.title in reminder.subject
    assert url in reminder.body and review.purpose in reminder.body
    assert moment(review.open_until, with_zone=True) in reminder.body
    note = next(m for m in mail.outbox if m.to == [personas.lead.email])
    assert "Reflect" in note.body and f"{url}#open-until" in note.body
    review.refresh_from_db()
    assert review.reminder_sent_at == now and review.reminder_due_at is None


@pytest.mark.django_db
def test_nobody_but_the_facilitator_is_reminded_before_the_review_starts(
    personas, django_capture_on_commit_callbacks
):
    review = async_review(personas)
    with django_capture_on_commit_callbacks(execute=True):
        services.review_advance_due(now=review.open_until - timedelta(hours=2))
    assert [m.to for m in mail.outbox] == [[personas.lead.email]]
    assert "Not started" in mail.outbox[0].body


@pytest.mark.django_db
def test_a_review_that_closes_within_a_day_of_scheduling_sends_no_reminder(
    personas, django_capture_on_commit_callbacks
):
    review = advance_to(async_review(personas, days=0.5), Phase.REFLECT, by=personas.lead)
    assert review.reminder_due_at is None
    with django_capture_on_commit_callbacks(execute=True):
        services.review_advance_due(now=review.open_until - timedelta(hours=1))
    assert mail.outbox == []


@pytest.mark.django_db
def test_extending_re_arms_the_reminder(personas, django_capture_on_commit_callbacks):
    review = advance_to(async_review(personas), Phase.REFLECT, by=personas.lead)
    first = review.open_until - timedelta(hours=23)
    with django_capture_on_commit_callbacks(execute=True):
        services.review_advance_due(now=first)
    assert len(mail.outbox) == 3  # Max, Mia and the facilitator
    # An hour more is still within the day: nobody is reminded again.
    services.review_set_open_until(
        actor=personas.lead,
        review=review,
        open_until=review.open_until + timedelta(hours=1),
        now=first,
    )
    assert review.reminder_due_at is None
    # Three more days: the reminder comes again a day before the new close.
    new_close = review.open_until + timedelta(days=3)
    services.review_set_open_until(
        actor=personas.lead, review=review, open_until=new_close, now=first
    )
    review.refresh_from_db()
    assert review.open_until == new_close
    assert review.reminder_due_at == new_close - CLOSING_SOON
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.review_advance_due(now=new_close - timedelta(days=2))["reminded"] == 0
        assert services.review_advance_due(now=new_close - timedelta(hours=20))["reminded"] == 1
        assert services.review_advance_due(now=new_close - timedelta(hours=1))["closed"] == 0
    assert len(mail.outbox) == 3


@pytest.mark.django_db
def test_bringing_the_close_within_a_day_sends_a_waiting_reminder_at_once(
    personas, django_capture_on_commit_callbacks
):
    review = advance_to(async_review(personas, days=5), Phase.REFLECT, by=personas.lead)
    now = timezone.now()
    services.review_set_open_until(
        actor=personas.lead, review=review, open_until=now + timedelta(hours=6), now=now
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert services.review_advance_due(now=now)["reminded"] == 1
    assert len(mail.outbox) == 3


# Changing the time: who, and what is refused -------------------------------------


@pytest.mark.django_db
def test_only_the_facilitator_or_a_lead_may_change_when_it_closes(personas, client_for):
    # Max, a member, schedules and so facilitates; Lena leads the team.
    review = services.review_schedule(
        actor=personas.member,
        team=personas.team,
        title="Async retro",
        purpose="Learn",
        agenda="All of it",
        template="builtin:went_well",
        mode="async",
        open_until=timezone.now() + timedelta(days=3),
    )
    url = reverse("reviews:open_until", args=[review.pk])
    later = timezone.now() + timedelta(days=5)
    expected = {"member": 302, "lead": 302, "member2": 403, "other": 404, "admin": 404}
    expected["outsider"] = 404
    for name, status in expected.items():
        response = client_for(name).post(url, {"open_until": local(later)})
        assert response.status_code == status, name
        api_status, _body = patch(client_for(name), review, {"open_until": later.isoformat()})
        assert api_status == {302: 200}.get(status, status), name
    with pytest.raises(PermissionDenied):
        services.review_set_open_until(actor=personas.member2, review=review, open_until=later)
    board = client_for("member2").get(reverse("reviews:board", args=[review.pk]))
    assert 'id="open-until"' not in board.content.decode()
    board = client_for("member").get(reverse("reviews:board", args=[review.pk]))
    assert 'id="open-until"' in board.content.decode()


@pytest.mark.django_db
def test_the_board_form_keeps_what_was_typed_when_refused(personas, client_for):
    review = async_review(personas)
    response = client_for("lead").post(
        reverse("reviews:open_until", args=[review.pk]), {"open_until": "2001-02-03T04:05"}
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "Choose a time in the future." in html and 'value="2001-02-03T04:05"' in html
    response = client_for("lead").post(
        reverse("reviews:open_until", args=[review.pk]), {"open_until": "next tuesday"}
    )
    assert response.status_code == 400 and "Give a date and a time" in response.content.decode()
    review.refresh_from_db()
    assert review.open_until > timezone.now()


@pytest.mark.django_db
def test_the_api_refuses_a_bad_time_with_a_readable_detail(personas, client_for):
    lead = client_for("lead")
    review = async_review(personas)
    past = (timezone.now() - timedelta(hours=1)).isoformat()
    assert patch(lead, review, {"open_until": past}) == (
        400,
        {
            "detail": "Choose a time in the future.",
            "errors": {"open_until": ["Choose a time in the future."]},
        },
    )
    status, body = patch(lead, review, {})
    assert status == 400 and "Give the date and time" in body["detail"]
    status, body = patch(lead, review, {"open_until": "soon"})
    assert status == 422 and body["detail"].startswith("open_until:")
    live = schedule(personas)
    status, body = patch(
        lead, live, {"open_until": (timezone.now() + timedelta(days=1)).isoformat()}
    )
    assert status == 400 and "live review" in body["detail"]
    # A time without a zone means the site's time zone.
    naive = (timezone.localtime() + timedelta(days=4)).replace(tzinfo=None, microsecond=0)
    status, body = patch(lead, review, {"open_until": naive.isoformat()})
    assert status == 200
    review.refresh_from_db()
    assert timezone.localtime(review.open_until).replace(tzinfo=None) == naive


@pytest.mark.django_db
def test_a_closed_review_cannot_be_extended(personas, client_for):
    review = async_review(personas)
    time_passes(review)
    later = (timezone.now() + timedelta(days=2)).isoformat()
    status, body = patch(client_for("lead"), review, {"open_until": later})
    assert status == 400 and "has closed" in body["detail"]
    review.refresh_from_db()
    assert review.is_closed


# What people see -----------------------------------------------------------------


@pytest.mark.django_db
def test_the_board_and_the_list_say_how_long_is_left_in_the_last_day(personas, client_for):
    soon = async_review(personas, days=0.25, title="Closing soon")
    later = async_review(personas, days=3, title="Closing later")
    member = client_for("member")
    board = member.get(reverse("reviews:board", args=[soon.pk])).content.decode()
    assert "closes in 5\xa0hours" in board
    board = member.get(reverse("reviews:board", args=[later.pk])).content.decode()
    assert "open until" in board and "closes in" not in board
    listing = member.get(reverse("reviews:list", args=["platform"])).content.decode()
    assert listing.count("open until") == 2 and listing.count("closes in") == 1


@pytest.mark.django_db
def test_on_a_phone_the_list_is_one_card_per_review_each_fact_named(personas, client_for):
    """The list's table stacks on narrow screens (table.stack): every cell says its column."""
    async_review(personas, days=3, title="Our review")
    listing = client_for("member").get(reverse("reviews:list", args=["platform"])).content.decode()
    assert '<table class="stack"' in listing
    cells = re.findall(r'<td role="cell" data-label="([^"]*)"', listing)
    assert cells == ["Review", "Kind", "Phase", "Facilitator"]
    assert listing.count("<td") == len(cells)


@pytest.mark.django_db
def test_every_open_board_hears_of_a_new_closing_time(
    personas, client_for, django_capture_on_commit_callbacks
):
    review = async_review(personas, days=3)
    new_close = review.open_until + timedelta(days=2)
    with django_capture_on_commit_callbacks(execute=True):
        services.review_set_open_until(actor=personas.lead, review=review, open_until=new_close)
    assert Event.objects.filter(stream=review.stream, kind="review_schedule").count() == 1
    # The header the signal reloads shows the new time.
    meta = client_for("member").get(reverse("reviews:section", args=[review.pk, "meta"]))
    assert meta.status_code == 200
    assert f"open until {moment(new_close)}" in meta.content.decode()


@pytest.mark.django_db
def test_reading_the_list_sends_no_reminder_and_costs_one_query_when_nothing_is_overdue(
    personas, client_for, django_capture_on_commit_callbacks, django_assert_num_queries
):
    review = advance_to(async_review(personas, days=0.5), Phase.REFLECT, by=personas.lead)
    Review.objects.filter(pk=review.pk).update(reminder_due_at=timezone.now() - timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert (
            client_for("member").get(reverse("reviews:list", args=["platform"])).status_code == 200
        )
        with django_assert_num_queries(1):
            assert not services.review_catch_up(team=personas.team)
    review.refresh_from_db()
    assert mail.outbox == [] and review.reminder_sent_at is None  # the worker's job
    assert not review.is_closed
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.review_advance.call(review_id=review.pk)["reminded"] == 1
    assert mail.outbox
