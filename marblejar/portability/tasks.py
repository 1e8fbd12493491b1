"""The nightly retention run, from ``marblejar worker``."""

from __future__ import annotations

from datetime import time

from django.tasks import task

from marblejar.lib import periodic
from marblejar.portability import services


@task
def retention_apply() -> int:
    """Every night, delete what an organization's retention periods say is due."""
    applied = services.retention_apply()
    periodic.schedule_next(retention_apply)
    return applied.reviews + applied.pulses


periodic.register(retention_apply, next_run=periodic.nightly(time(3, 30)))
