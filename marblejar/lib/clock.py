"""Due work, one item at a time: a failure on one never holds back the others."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import transaction

logger = logging.getLogger("marblejar.clock")


def isolated(step: Callable[[], bool], *, what: str, item: object) -> bool | None:
    """Run one due step (a close, a reminder, a release) and return what it returned.

    A step that raises is logged and answers None. One pulse that cannot
    close (a database error, a ballot sealed with a key since replaced) must
    not stop every other pulse, review or crack from moving on with the
    clock; the failed one is tried again at the next tick.
    """
    try:
        # A savepoint of its own: on PostgreSQL a database error inside an
        # outer transaction (a task run in one, a test) would otherwise leave
        # it aborted, and every later item would fail with it.
        with transaction.atomic():
            return step()
    except Exception:
        logger.exception("Could not %s %s", what, item)
        return None
