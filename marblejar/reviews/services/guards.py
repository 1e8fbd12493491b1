"""The checks and small helpers every review service shares (the lowest layer).

Signals: ``_publish`` puts an event on the review's stream (``review:<id>``)
and ``_updated`` says that one part of the board changed. Signals never
carry what anyone wrote, nor who wrote it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from marblejar import permissions
from marblejar.lib import events
from marblejar.lib.dates import moment
from marblejar.reviews.models import (
    PHASE_ORDER,
    Participant,
    Phase,
    Review,
)
from marblejar.reviews.parts import UPDATE_KINDS

MAX_NOTE = 2000
MAX_TEXT = 3000


def _publish(review: Review, kind: str, **payload: Any) -> None:
    events.publish(
        organization_id=review.organization_id,
        stream=review.stream,
        kind=kind,
        payload={"review_id": review.pk, **payload},
    )


def _updated(review: Review, what: str) -> None:
    """Tell the board that one of its parts changed (``review_notes``, ``review_votes``...).

    ``what`` is one of :data:`marblejar.reviews.parts.UPDATE_KINDS`.
    """
    assert what in UPDATE_KINDS
    _publish(review, f"review_{what}")


def _text(value: str, *, field: str, required: str, limit: int = MAX_TEXT) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: [required]})
    if len(value) > limit:
        raise ValidationError(
            {
                field: [
                    _("Keep it to %(max)s characters or fewer (this has %(n)s).")
                    % {"max": limit, "n": len(value)}
                ]
            }
        )
    return value


def _lock(review: Review) -> Review:
    """Re-read the review, locked until the transaction ends."""
    locked = Review.objects.select_for_update().get(pk=review.pk)
    review.phase = locked.phase
    review.safety_counts = locked.safety_counts
    review.safety_shown = locked.safety_shown
    review.roti_counts = locked.roti_counts
    review.anonymous = locked.anonymous
    review.columns = locked.columns
    return locked


def _require_phase(review: Review, *phases: str, message: str | None = None) -> None:
    if review.phase not in phases:
        raise ValidationError(
            message
            or _("That is not possible in this phase (%(phase)s).")
            % {"phase": Phase(review.phase).label}
        )


def _participant(review: Review, user: Any) -> Participant:
    participant, _created = Participant.objects.get_or_create(
        review=review, user=user, defaults={"organization_id": review.organization_id}
    )
    return participant


def _aware(when: datetime | None) -> datetime | None:
    # The API accepts times without a zone: they mean the site's time zone.
    if when is not None and timezone.is_naive(when):
        return timezone.make_aware(when)
    return when


class ReviewClosed(PermissionDenied):
    """Something was sent to a review that has closed (perhaps by its clock, just now)."""


def _require_open(actor: Any, action: str, review: Review) -> None:
    """``permissions.require``, with a reason people understand when the review has closed."""
    if review.is_closed:
        raise ReviewClosed(closed_message(review))
    permissions.require(actor, action, review)


def closed_message(review: Review) -> str:
    if review.closed_at is None:
        return _("This review has closed: nothing more can be added to it.")
    return _("This review closed at %(time)s: nothing more can be added to it.") % {
        "time": moment(review.closed_at)
    }


def _discussing(review: Review) -> None:
    _require_phase(
        review,
        Phase.DISCUSS,
        Phase.ACTIONS,
        message=_("This is for the discussion, which has not started."),
    )


def phase_label(phase: str) -> str:
    return str(Phase(phase).label)


def phase_number(phase: str) -> int:
    return PHASE_ORDER.index(phase)
