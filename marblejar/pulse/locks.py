"""The lock a store of pulse results and a deletion of pulses both take.

Kept apart from the results pipeline (which loads NumPy) so that the app
can register its deletion hook at start-up.
"""

from __future__ import annotations

from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models.signals import pre_delete
from django.dispatch import receiver

from marblejar.pulse.models import Pulse

# Taken (on PostgreSQL, until the transaction ends) by every store of
# results and every deletion of pulses; see :func:`lock_stores`.
STORE_LOCK = 0x70756C7365  # "pulse"


def lock_stores(using: str = DEFAULT_DB_ALIAS) -> None:
    """Wait until no other transaction stores results or deletes pulses, and
    keep the others waiting until this one ends.

    The database checks no key of the results table (see
    :class:`PulseResult`): a store writes results only for pulses it reads
    in the same transaction, and Django deletes a pulse's result before the
    pulse. Without this lock a store could insert the result of a pulse that
    another transaction is deleting (after that one deleted the results,
    before it deleted the pulse), and the result would outlive it; two
    stores could also insert the same new result at once. Whoever holds a
    pulse's row when it stores (closing a pulse) takes this lock first, as
    a deletion does, so that the two never wait for each other in a circle.
    On SQLite,
    transactions that write take the database's own lock when they begin
    (``transaction_mode`` IMMEDIATE), which serializes them already.
    """
    db = connections[using]
    if db.vendor == "postgresql":
        with db.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [STORE_LOCK])


@receiver(pre_delete, sender=Pulse, dispatch_uid="pulse_results_lock_stores")
def _deleting_a_pulse(sender: type[Pulse], instance: Pulse, using: str, **kwargs: Any) -> None:
    # Django sends this inside the deletion's transaction, before any of its
    # DELETE statements (its results' first), once per pulse: the lock is
    # taken once per deletion (an organization's may delete thousands).
    db = connections[using]
    block = db.atomic_blocks[-1] if db.atomic_blocks else None
    if block is not None and getattr(db, "pulse_stores_locked_in", None) is block:
        return
    lock_stores(using)
    db.pulse_stores_locked_in = block
