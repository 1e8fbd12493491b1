"""Work that runs on a calendar (every night, every Monday), from the task queue.

A periodic task is an ordinary ``django.tasks`` task registered here with the
function that says when it runs next. ``marblejar worker`` makes sure each
one is queued when it starts, and each run queues the next, so exactly one
run is always waiting. Anything that must not leave a time behind (a crack
report) relies on these instead of queueing a task of its own, since a
queued task records when it was queued.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from django.utils import timezone


@dataclass(frozen=True)
class Periodic:
    task: Any  # a django.tasks Task
    next_run: Callable[[datetime], datetime]


REGISTRY: dict[str, Periodic] = {}


def register(task: Any, *, next_run: Callable[[datetime], datetime]) -> Any:
    REGISTRY[task.module_path] = Periodic(task=task, next_run=next_run)
    return task


def nightly(at: time) -> Callable[[datetime], datetime]:
    """The next ``at`` (local time) after a moment."""

    def next_run(now: datetime) -> datetime:
        local = timezone.localtime(now)
        candidate = timezone.make_aware(datetime.combine(local.date(), at))
        if candidate <= now:
            candidate = timezone.make_aware(datetime.combine(local.date() + timedelta(days=1), at))
        return candidate

    return next_run


def weekly(weekday: int, at: time) -> Callable[[datetime], datetime]:
    """The next ``weekday`` (Monday is 0) at ``at`` (local time) after a moment."""

    def next_run(now: datetime) -> datetime:
        local = timezone.localtime(now)
        days = (weekday - local.weekday()) % 7
        candidate = timezone.make_aware(datetime.combine(local.date() + timedelta(days=days), at))
        if candidate <= now:
            candidate += timedelta(days=7)
        return candidate

    return next_run


def _waiting(periodic: Periodic) -> bool:
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(task_path=periodic.task.module_path, status="READY").exists()


def ensure_scheduled(now: datetime | None = None) -> list[str]:
    """Queue the next run of every periodic task that has none waiting; returns their names."""
    now = now or timezone.now()
    queued = []
    for path, periodic in REGISTRY.items():
        if not _waiting(periodic):
            periodic.task.using(run_after=periodic.next_run(now)).enqueue()
            queued.append(path)
    return queued


def schedule_next(task: Any, now: datetime | None = None) -> None:
    """Called at the end of a periodic run: queue the following one."""
    periodic = REGISTRY[task.module_path]
    if not _waiting(periodic):
        task.using(run_after=periodic.next_run(now or timezone.now())).enqueue()
