"""The nightly run for improvement actions: due today, and "did it work?" on the check date."""

from __future__ import annotations

from datetime import time

from django.tasks import task

from marblejar.lib import periodic
from marblejar.reviews import services


@task
def action_reminders() -> dict[str, int]:
    """Every morning, tell owners what is due and ask whether checked actions worked.

    On the calendar rather than queued per action: dates change often (an
    edit, "too early to tell"), and the run finds what is due from the
    dates themselves, so nothing queued can go stale.
    """
    told = services.action_reminders_due()
    periodic.schedule_next(action_reminders)
    return told


# Early morning, so that the notification (and its e-mail) is there when the day starts.
periodic.register(action_reminders, next_run=periodic.nightly(time(6, 0)))
