"""Deliveries to a team's chat and webhooks, posted by ``marblejar worker``."""

from __future__ import annotations

from django.tasks import task


@task
def deliver(*, delivery_id: int) -> str:
    """Post one delivery once; a failure worth retrying queues the next try itself."""
    from marblejar.integrations.services import delivery_attempt

    return delivery_attempt(delivery_id=delivery_id)
