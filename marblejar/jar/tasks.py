"""Background tasks for the jar, run by ``marblejar worker``."""

from __future__ import annotations

from datetime import time

from django.tasks import task

from marblejar.jar import services
from marblejar.lib import periodic


@task
def crack_release() -> int:
    """Every night, release the cracks of the day that ended (pages catch up too).

    It runs on the calendar, not when someone reports: a task queued by a
    report would record when it was queued, and so when someone reported.
    """
    released = services.crack_release_due()
    periodic.schedule_next(crack_release)
    return released


periodic.register(crack_release, next_run=periodic.nightly(time(0, 1)))
