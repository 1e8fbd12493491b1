"""The clock of asynchronous reviews: when the reminder is due, asking the worker, new times.

An asynchronous review with an "open until" time closes itself then, from
whatever phase it is in, through the facilitator's own close path
(``phases._move_to``). A day before, people who have not taken part in the
current phase are reminded and the facilitator is told (see
:mod:`marblejar.reviews.services.lifecycle`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from marblejar import permissions
from marblejar.reviews.models import (
    CLOSING_SOON,
    Mode,
    Review,
)
from marblejar.reviews.services.guards import _aware, _lock, _updated


def _reminder_due(review: Review, *, now: datetime) -> datetime | None:
    """When the day-before reminder goes out; None when there is none to send.

    A review scheduled to close within a day gets none: it is its own
    reminder, and nobody could have missed it yet; nor does one whose close
    moves within the day after its reminder went out. One whose reminder is
    still waiting when its close moves within the day gets it at once.
    """
    if review.open_until is None:
        return None
    due = review.open_until - CLOSING_SOON
    if due <= now and review.reminder_due_at is None:
        return None
    return due


def _enqueue_clock(review: Review) -> None:
    """Ask the worker to catch the review up when its reminder and its close are due.

    A backstop only: every read of the review catches up too. Tasks for an
    earlier time that is no longer right run and find nothing to do.
    """
    from marblejar.reviews import tasks

    due = [when for when in (review.reminder_due_at, review.open_until) if when is not None]

    def enqueue() -> None:
        for when in due:
            tasks.review_advance.using(run_after=when).enqueue(review_id=review.pk)

    transaction.on_commit(enqueue, robust=True)


@transaction.atomic
def review_set_open_until(
    *, actor: Any, review: Review, open_until: datetime | None, now: datetime | None = None
) -> Review:
    """Change when an open asynchronous review closes (extend it, or bring it forward).

    The facilitator's or a lead's call. The new time must be in the future.
    If it is more than a day away the reminder is armed again, so that people
    are reminded before the new close even if they were before the old one.
    """
    permissions.require(actor, "review.reschedule", review)
    now = now or timezone.now()
    locked = _lock(review)
    open_until = _aware(open_until)
    if locked.is_closed:
        raise ValidationError(_("This review has closed; its time can no longer change."))
    if locked.mode != Mode.ASYNC:
        raise ValidationError(
            {"open_until": [_("A live review has no closing time; only asynchronous ones do.")]}
        )
    if open_until is None:
        raise ValidationError({"open_until": [_("Give the date and time the review closes.")]})
    if open_until <= now:
        raise ValidationError({"open_until": [_("Choose a time in the future.")]})
    locked.open_until = open_until
    locked.reminder_due_at = _reminder_due(locked, now=now)
    locked.save(update_fields=["open_until", "reminder_due_at"])
    review.open_until, review.reminder_due_at = locked.open_until, locked.reminder_due_at
    _enqueue_clock(locked)
    _updated(locked, "schedule")
    return review
