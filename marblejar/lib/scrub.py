"""Make the database files forget what anonymity needs forgotten.

When a pulse or a review closes, or cracks are released, the rows that tied a
person to something anonymous (sealed ballots, keyed authorship tags, the
order in which people took part) are deleted or rewritten. A database keeps
older versions of such rows for a while:

* SQLite, in its write-ahead log (``-wal``) until a checkpoint has copied the
  log into the main file and the log is truncated; deleted content in the
  main file is zeroed because every connection sets ``secure_delete``.
* PostgreSQL, as dead tuples until VACUUM removes them. ``VACUUM FULL``
  writes a table anew, so not even the free space of its pages keeps them;
  it is used for the small tables that only ever hold open work. It is not
  trusted to drop them itself: it copies every version that its own
  snapshot might still need, and that snapshot waits for any transaction
  that has written something, in any database of the server (another
  application's, a backup's, a test run beside this one). A plain VACUUM,
  which looks at this database's transactions only, removes them first.

:func:`database_forget` does that after the change has committed. It runs
from the task queue (a checkpoint waits for readers, and VACUUM cannot run
inside a transaction), and tries again later while the database is busy.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta

from django.db import connection, transaction
from django.tasks import task
from django.utils import timezone

logger = logging.getLogger(__name__)

RETRY_AFTER = timedelta(minutes=1)
MAX_ATTEMPTS = 30


def database_forget(*, tables: Sequence[str] = (), rewrite: Sequence[str] = ()) -> bool:
    """Drop older row versions of ``tables`` (and rewrite ``rewrite`` whole); True when done."""
    if connection.in_atomic_block:
        raise RuntimeError("database_forget runs after the transaction has committed")
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            # TRUNCATE waits (busy timeout) for readers of older snapshots,
            # copies the whole log into the file, then empties the log.
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            busy, _log, _copied = cursor.fetchone()
        return busy == 0
    if connection.vendor == "postgresql":
        quote = connection.ops.quote_name
        done = True
        with connection.cursor() as cursor:
            for table in dict.fromkeys([*rewrite, *tables]):
                cursor.execute(f"VACUUM {quote(table)}")
                if _dead_versions_left(cursor, table):
                    # A transaction of this database older than the change
                    # may still read them: the next attempt will remove them.
                    done = False
                elif table in rewrite:
                    # Nothing dead is left to copy: the new file holds the
                    # live rows only, and the old one, free space and all, goes.
                    cursor.execute(f"VACUUM FULL {quote(table)}")
        return done
    return True


def _dead_versions_left(cursor, table: str) -> int:
    """Row versions the VACUUM just run on ``table`` found dead but could not remove.

    VACUUM records that count in the statistics as it ends (``n_dead_tup``:
    versions still visible to an older transaction, and those on pages it
    could not lock). Changes other sessions made since may add to it: then
    the task runs once more, which costs a VACUUM and hides nothing. (With
    ``track_counts`` turned off on the server the count stays 0, and the
    task trusts the VACUUM as it did before.)
    """
    cursor.execute("SELECT pg_stat_clear_snapshot()")
    cursor.execute("SELECT pg_stat_get_dead_tuples(%s::regclass)", [table])
    return cursor.fetchone()[0]


def forget_after_commit(*, tables: Sequence[str] = (), rewrite: Sequence[str] = ()) -> None:
    """Queue :func:`database_forget` for when the current transaction commits."""

    def enqueue() -> None:
        forget_task.enqueue(tables=list(tables), rewrite=list(rewrite), attempt=1)

    transaction.on_commit(enqueue, robust=True)


@task
def forget_task(*, tables: list[str], rewrite: list[str], attempt: int) -> bool:
    try:
        done = database_forget(tables=tables, rewrite=rewrite)
    except Exception:
        # A lock timeout or a busy database: the next attempt will do.
        logger.warning("Could not make the database forget old row versions", exc_info=True)
        done = False
    if not done and attempt < MAX_ATTEMPTS:
        forget_task.using(run_after=timezone.now() + RETRY_AFTER).enqueue(
            tables=tables, rewrite=rewrite, attempt=attempt + 1
        )
    return done
