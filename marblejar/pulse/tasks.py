"""Background tasks for pulses, run by ``marblejar worker``.

:func:`pulse_advance` only asks :func:`~marblejar.pulse.services.pulse_advance_due`
to catch up, so running one twice, late, or not at all is harmless: the next
worker tick (or a page that finds something overdue) does the same work.
"""

from __future__ import annotations

from django.tasks import task

from marblejar.pulse import notify, services


@task
def pulse_advance(*, pulse_id: int) -> dict[str, int]:
    return services.pulse_advance_due(pulse_id=pulse_id)


@task
def pulse_advance_all() -> dict[str, int]:
    return services.pulse_advance_due()


@task
def pulse_mail(*, pulse_id: int, kind: str) -> int:
    """Send one of a pulse's e-mails (see :mod:`marblejar.pulse.notify`)."""
    return notify.send(pulse_id=pulse_id, kind=kind)
