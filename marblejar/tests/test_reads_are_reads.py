"""Reading a page never sends e-mail and never does a due change's side effects.

Due changes (a pulse closing, a review closing, reminders, a day's cracks
arriving) run from the task queue on time. A page read only checks, with one
indexed query per clock, whether the queue is late; nothing due, nothing
written. When something is overdue (the worker stopped), the read makes the
change before showing the page, and whatever that change tells people goes
to the task queue: no e-mail is sent inside the request.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from marblejar.integrations import services as integration_services
from marblejar.jar import selectors as jar_selectors
from marblejar.jar import services as jar_services
from marblejar.jar.models import Crack, CrackInbox
from marblejar.pulse import services as pulse_services
from marblejar.pulse.models import Pulse
from marblejar.pulse.tests.factories import open_pulse, run_pulse, set_k
from marblejar.reviews import services as review_services
from marblejar.reviews.models import Phase, Review
from marblejar.tests.test_page_queries import PAGES

pytestmark = pytest.mark.django_db

WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE|REPLACE)\b", re.IGNORECASE)

# The main pages (as test_page_queries pins them) and the pages that catch up a clock.
READS: dict[str, tuple[str, str]] = {
    name: (persona, url) for name, (persona, url, _queries) in PAGES.items()
} | {
    "review board": ("member", "/r/{review}/"),
    "team cracks": ("lead", "/t/platform/cracks/"),
    "organization cracks": ("admin", "/organization/cracks/"),
}


def writes(captured: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in captured.captured_queries if WRITE.match(q["sql"])]


def an_async_review(personas, *, days: float) -> Review:
    return review_services.review_schedule(
        actor=personas.lead,
        team=personas.team,
        title="Incident review",
        purpose="Learn",
        agenda="Notes, then actions",
        template="builtin:went_well",
        mode="async",
        open_until=timezone.now() + timedelta(days=days),
    )


@pytest.fixture
def team_with_history(personas):
    """Platform with published pulse results, an open pulse, an open review and today's cracks."""
    set_k(personas.org, 3, 3)
    people = [personas.lead, personas.member, personas.member2]
    run_pulse(personas.lead, personas.team, dict.fromkeys(people, 4), days_ago=30)
    pulse = open_pulse(personas.lead, personas.team)
    review = an_async_review(personas, days=7)
    jar_services.crack_report(actor=personas.member, team=personas.team, text="A joke at standup.")
    jar_services.crack_report(actor=personas.member, team=None, text="A joke at all-hands.")
    integration_services.integration_create(
        actor=personas.lead,
        team=personas.team,
        kind="slack",
        name="#platform",
        url="https://hooks.slack.com/services/T0/B0/abcdefgh",
        events=[],
    )
    mail.outbox.clear()
    return {"pulse": pulse, "review": review}


def urls(personas, scene) -> dict[str, tuple[str, str]]:
    reflection = personas.team.reflections.order_by("-pk").first()
    published = Pulse.objects.filter(team=personas.team, published_at__isnull=False).latest("pk")
    ids = {
        "review": scene["review"].pk,
        "pulse": published.pk,
        "reflection": reflection.pk if reflection else 0,
        "integration": personas.team.integrations.earliest("pk").pk,
    }
    return {name: (persona, url.format(**ids)) for name, (persona, url) in READS.items()}


def test_reading_any_page_with_nothing_due_writes_nothing_and_sends_no_mail(
    personas, client_for, team_with_history, django_capture_on_commit_callbacks
):
    from marblejar.reflections import services as reflection_services

    reflection_services.reflection_create(
        author=personas.lead,
        team=personas.team,
        kind="lesson",
        title="Going first",
        body="What I learned.",
        publish=True,
    )
    tasks_before = DBTaskResult.objects.count()
    clients = {}
    for name, (persona, url) in urls(personas, team_with_history).items():
        client = clients.get(persona) or clients.setdefault(persona, client_for(persona))
        client.get(url)  # a first visit may store the current team in the session
        with (
            CaptureQueriesContext(connection) as captured,
            django_capture_on_commit_callbacks() as after_commit,
        ):
            response = client.get(url)
        assert response.status_code == 200, (name, response.status_code)
        assert writes(captured) == [], name
        assert after_commit == [], name  # nothing queued for after the commit either
    assert mail.outbox == []
    assert DBTaskResult.objects.count() == tasks_before


def test_each_clock_costs_one_indexed_query_when_nothing_is_due(personas, team_with_history):
    checks = {
        "pulses": lambda: pulse_services.pulse_catch_up(team=personas.team),
        "reviews": lambda: review_services.review_catch_up(team=personas.team),
        "cracks": jar_services.cracks_catch_up,
    }
    for name, check in checks.items():
        with CaptureQueriesContext(connection) as captured:
            check()
        assert len(captured) == 1, (name, [q["sql"] for q in captured.captured_queries])
        if connection.vendor == "sqlite":
            [query] = captured.captured_queries
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN QUERY PLAN " + query["sql"])
                plan = [row[-1] for row in cursor.fetchall()]
            # SEARCH ... USING (COVERING) INDEX: no table is read row by row.
            assert all(not step.startswith("SCAN") for step in plan), (name, plan)
    assert not jar_selectors.cracks_waiting_for_release()


def test_the_board_checks_its_own_clock_without_a_query(personas, client_for, team_with_history):
    # The board has the review's row already: whether it is due costs nothing more.
    review = team_with_history["review"]
    user = personas.member
    with CaptureQueriesContext(connection) as captured:
        review_services.review_current(user=user, review_id=review.pk)
    with CaptureQueriesContext(connection) as plain:
        from marblejar.reviews import selectors

        selectors.review_get(user=user, review_id=review.pk)
    assert len(captured) == len(plain)


def test_a_read_catches_up_what_is_overdue_and_leaves_the_mail_to_the_queue(
    personas, client_for, team_with_history, django_capture_on_commit_callbacks
):
    # The worker has stopped: a pulse's closing time, a review's closing time
    # and another review's reminder have passed, and yesterday's cracks wait.
    pulse, review = team_with_history["pulse"], team_with_history["review"]
    past = timezone.now() - timedelta(minutes=5)
    Pulse.objects.filter(pk=pulse.pk).update(closes_at=past)
    Review.objects.filter(pk=review.pk).update(open_until=past, reminder_due_at=None)
    reminded = an_async_review(personas, days=2)
    Review.objects.filter(pk=reminded.pk).update(reminder_due_at=past)
    CrackInbox.objects.update(day=timezone.localdate() - timedelta(days=1))
    mail.outbox.clear()
    queued_before = set(DBTaskResult.objects.values_list("pk", flat=True))

    lead, member, admin = client_for("lead"), client_for("member"), client_for("admin")
    with django_capture_on_commit_callbacks(execute=True):
        assert lead.get("/t/platform/").status_code == 200
        assert admin.get("/organization/cracks/").status_code == 200
        assert member.get(f"/r/{reminded.pk}/").status_code == 200

    pulse.refresh_from_db()
    review.refresh_from_db()
    reminded.refresh_from_db()
    assert pulse.closed_at is not None
    assert review.phase == Phase.CLOSED
    assert not CrackInbox.objects.exists() and Crack.objects.count() == 2
    # Nobody was e-mailed inside a request: the reminder is still due (the
    # worker sends it), and what the changes tell people waits in the queue.
    assert mail.outbox == []
    assert reminded.reminder_sent_at is None
    queued = DBTaskResult.objects.exclude(pk__in=queued_before)
    assert {"pulse_mail", "send_notification_email"} <= {
        task.task_path.rsplit(".", 1)[-1] for task in queued
    }

    # Caught up: the next reads write nothing more.
    for client, url in ((lead, "/t/platform/"), (admin, "/organization/cracks/")):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        assert writes(captured) == [], url
