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

    For tests inside a transaction, where the real worker cannot run (see
    ``marblejar.tests.forensics.run_queued_tasks`` for tests that commit).
    """
    from django_tasks_db.models import DBTaskResult

    from marblejar.pulse import tasks

    queued = DBTaskResult.objects.filter(
        task_path=tasks.pulse_mail.module_path, status="READY"
    ).order_by("enqueued_at")
    ran = 0
    for result in queued:
        result.task.call(*result.args_kwargs["args"], **result.args_kwargs["kwargs"])
        result.delete()
        ran += 1
    return ran
