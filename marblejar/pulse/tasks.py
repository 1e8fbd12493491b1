"""Background tasks for pulses, run by ``marblejar worker``.

Each task only asks :func:`~marblejar.pulse.services.pulse_advance_due` to
catch up, so running one twice, late, or not at all is harmless: the next
page view or worker tick does the same work.
"""

from __future__ import annotations

from django.tasks import task

from marblejar.pulse import services


@task
def pulse_advance(*, pulse_id: int) -> dict[str, int]:
    return services.pulse_advance_due(pulse_id=pulse_id)


@task
def pulse_advance_all() -> dict[str, int]:
    return services.pulse_advance_due()
