"""The scheduled check of linked issues, for trackers whose webhook is not set up."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.tasks import task

from marblejar.lib import periodic
from marblejar.trackers import services

# Often enough that a closed issue shows as a done action the same morning;
# seldom enough that a hundred linked issues stay far below any tracker's
# rate limit (GitHub allows 5,000 requests an hour per token).
EVERY = timedelta(minutes=30)


def next_half_hour(now: datetime) -> datetime:
    return now.replace(second=0, microsecond=0) + EVERY


@task
def issues_check() -> dict[str, int]:
    """Ask the trackers without a working webhook whether linked issues closed or reopened."""
    counts = services.issues_check()
    periodic.schedule_next(issues_check)
    return counts


periodic.register(issues_check, next_run=next_half_hour)
