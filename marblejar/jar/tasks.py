"""Background tasks for the jar, run by ``marblejar worker``."""

from __future__ import annotations

from django.tasks import task

from marblejar.jar import services


@task
def crack_release() -> int:
    """Release the cracks of every day that is over (idempotent; pages catch up too)."""
    return services.crack_release_due()
