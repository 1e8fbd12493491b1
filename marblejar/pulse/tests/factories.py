"""Helpers that run pulses through the real services, for the pulse tests."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from marblejar.pulse import services
from marblejar.pulse.models import Pulse, PulseSettings
from marblejar.teams.models import Membership, Role, Team


def set_k(org: Any, k: int = 3, k_comments: int = 3) -> None:
    PulseSettings.objects.update_or_create(
        organization=org, defaults={"min_group_size": k, "min_comment_group_size": k_comments}
    )


def open_pulse(
    lead: Any,
    team: Team,
    *,
    instrument: str = "psychological_safety",
    k: int | None = None,
    cadence: str = "once",
) -> Pulse:
    now = timezone.now()
    return services.pulse_schedule(
        actor=lead,
        team=team,
        instrument=instrument,
        opens_at=now - timedelta(hours=1),
        closes_at=now + timedelta(days=3),
        cadence=cadence,
        min_group_size=k,
        min_comment_group_size=k,
    )


def answers_for(pulse: Pulse, value: int) -> dict[str, int]:
    return {item["key"]: value for item in pulse.items}


def add_members(team: Team, org: Any, count: int, prefix: str = "extra") -> list[Any]:
    from marblejar.accounts.models import User

    users = []
    for i in range(count):
        user = User.objects.create(
            email=f"{prefix}{i}@acme.test", display_name=f"{prefix.title()} {i}", organization=org
        )
        Membership.objects.create(organization=org, team=team, user=user, role=Role.MEMBER)
        users.append(user)
    return users


def send_queued_mail() -> int:
    """Run the pulse e-mail tasks the queue holds, as the worker would; how many ran.

    A pulse's e-mail goes through the notifications, which queue each person's
    e-mail as a task of their own: those run too, so ``mail.outbox`` holds what
    people receive. For tests inside a transaction, where the real worker cannot
    run (see ``marblejar.tests.forensics.run_queued_tasks`` for tests that commit).
    """
    from django.test import TestCase
    from django_tasks_db.models import DBTaskResult

    from marblejar.notifications import tasks as notification_tasks
    from marblejar.pulse import tasks

    paths = [tasks.pulse_mail.module_path, notification_tasks.send_notification_email.module_path]
    ran = 0
    while queued := list(
        DBTaskResult.objects.filter(task_path__in=paths, status="READY").order_by("enqueued_at")
    ):
        for result in queued:
            # A task's own on-commit work (the notifications queue e-mail that
            # way) runs as it would after the worker's commit.
            with TestCase.captureOnCommitCallbacks(execute=True):
                result.task.call(*result.args_kwargs["args"], **result.args_kwargs["kwargs"])
            result.delete()
            ran += result.task_path == paths[0]
    return ran


def run_pulse(
    lead: Any,
    team: Team,
    answers: dict[Any, int | dict[str, int]],
    *,
    days_ago: int,
    k: int | None = None,
    publish: bool = True,
    instrument: str = "psychological_safety",
    comments: dict[Any, str] | None = None,
) -> Pulse:
    """A pulse that opened ``days_ago`` days ago, answered by the keys of ``answers``
    (a score every statement gets, see :func:`safe_answers`, or answers as worded
    per statement), closed four days later and, with ``publish``, published with
    the lead's response."""
    opened = timezone.now() - timedelta(days=days_ago)
    pulse = services.pulse_schedule(
        actor=lead,
        team=team,
        instrument=instrument,
        opens_at=opened,
        closes_at=opened + timedelta(days=4),
        min_group_size=k,
        min_comment_group_size=k,
        now=opened,
    )
    for i, (user, value) in enumerate(answers.items()):
        values = safe_answers(pulse, value) if isinstance(value, int) else value
        services.pulse_answer(
            actor=user,
            pulse=pulse,
            values=values,
            comment=(comments or {}).get(user, ""),
            now=opened + timedelta(hours=1 + i),
        )
    services.pulse_close(pulse=pulse, now=pulse.closes_at)
    if publish:
        services.pulse_respond(
            actor=lead,
            pulse=pulse,
            heard="I hear you.",
            plan="We will talk about it.",
            now=pulse.closes_at + timedelta(days=1),
        )
    pulse.refresh_from_db()
    return pulse


def safe_answers(pulse: Pulse, level: int) -> dict[str, int]:
    """Answers as worded that score ``level`` on every statement (reverse-worded
    ones answered the other way round)."""
    low, high = pulse.scale
    return {
        item["key"]: low + high - level if item.get("reverse") else level for item in pulse.items
    }
