"""Running the task queue for real, and making an integration of the personas' team."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management import call_command
from django.utils import timezone

from marblejar.integrations import services, tasks
from marblejar.integrations.events import EVENTS


def run_worker() -> None:
    """Run what the task queue holds now, as ``marblejar worker`` does."""
    call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0", verbosity=0)


def waiting_deliveries() -> list[Any]:
    from django_tasks_db.models import DBTaskResult

    return list(
        DBTaskResult.objects.filter(task_path=tasks.deliver.module_path, status="READY").order_by(
            "run_after"
        )
    )


def let_time_pass() -> None:
    """The waits of the queued retries are over (only theirs: nothing else moves)."""
    for result in waiting_deliveries():
        result.run_after = timezone.now() - timedelta(seconds=1)
        result.save(update_fields=["run_after"])


def integration(p: Any, kind: str, url: str, events: list[str] | None = None) -> Any:
    made, _secret = services.integration_create(
        actor=p.lead,
        team=p.team,
        kind=kind,
        name=f"{kind} channel",
        url=url,
        events=list(EVENTS) if events is None else events,
    )
    return made
