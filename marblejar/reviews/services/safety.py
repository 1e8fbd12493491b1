"""Presence, the safety check and the return-on-time vote: answers kept as counts and keyed tags."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from marblejar import permissions
from marblejar.reviews import selectors
from marblejar.reviews.formats import (
    SAFER_COLUMN,
    safer_column,
)
from marblejar.reviews.models import (
    Mark,
    MarkKind,
    Participant,
    Phase,
    Review,
)
from marblejar.reviews.services.guards import (
    _lock,
    _publish,
    _require_open,
    _require_phase,
    _updated,
)


@transaction.atomic
def participant_touch(*, actor: Any, review: Review) -> Participant:
    """Record that ``actor`` has the board open; tell the others if they just arrived."""
    _require_open(actor, "review.participate", review)
    now = timezone.now()
    participant, created = Participant.objects.get_or_create(
        review=review, user=actor, defaults={"organization_id": review.organization_id}
    )
    arrived = created or participant.last_seen < now - selectors.PRESENCE_WINDOW
    Participant.objects.filter(pk=participant.pk).update(last_seen=now)
    participant.last_seen = now
    if arrived:
        _publish(review, "review_presence")
    return participant


@transaction.atomic
def safety_vote(*, actor: Any, review: Review, value: int) -> None:
    """Answer the safety check. Only the count per level is stored, never who chose what."""
    _require_open(actor, "review.participate", review)
    _lock(review)
    _require_phase(
        review, Phase.CHECKIN, message=_("The safety check is open during the check-in only.")
    )
    if not 1 <= int(value) <= 5:
        raise ValidationError({"value": [_("Choose a level from 1 to 5.")]})
    # The count and a keyed tag, nothing else: no row that names the person
    # (not even their "last seen") changes in the same transaction.
    _mark(review, actor, MarkKind.SAFETY, already=_("You have answered the safety check already."))
    counts = dict(review.safety_counts)
    counts[str(int(value))] = int(counts.get(str(int(value)), 0)) + 1
    Review.objects.filter(pk=review.pk).update(safety_counts=counts)
    review.safety_counts = counts
    _safety_reveal(review, waiting=selectors.safety_waiting(review=review))
    _updated(review, "safety")


def _safety_reveal(review: Review, *, waiting: int) -> bool:
    """Show more of the safety check when a whole batch may be shown (see selectors)."""
    shown = selectors.safety_reveal_due(review=review, waiting=waiting)
    if shown is None:
        return False
    Review.objects.filter(pk=review.pk).update(safety_shown=shown)
    review.safety_shown = shown
    return True


def safety_check_result(
    *, review: Review, labels: tuple[str, ...], user: Any = None
) -> selectors.SafetyResult:
    """The safety check as ``user`` may see it now.

    Someone who was on the board and left without answering no longer holds
    the first histogram back: it is shown at the next look.
    """
    waiting = selectors.safety_waiting(review=review)
    if selectors.safety_reveal_due(review=review, waiting=waiting) is not None:
        with transaction.atomic():
            _lock(review)
            if _safety_reveal(review, waiting=waiting):
                _updated(review, "safety")
    return selectors.safety_result(review=review, labels=labels, user=user, waiting=waiting)


def _mark(review: Review, actor: Any, kind: str, *, already: str) -> None:
    """Record, as a keyed tag, that ``actor`` has answered; refuse a second answer."""
    tag = review.tag_for(actor, kind)
    if Mark.objects.filter(review=review, kind=kind, tag=tag).exists():
        raise ValidationError(already)
    Mark.objects.create(organization_id=review.organization_id, review=review, kind=kind, tag=tag)


@transaction.atomic
def review_make_safer(
    *, actor: Any, review: Review, anonymous: bool = False, safer_round: bool = False
) -> Review:
    """After a low safety check: anonymous notes, and/or a "what would make this safer?" round.

    Possible until the notes are written (before the go-first phase).
    """
    _require_open(actor, "review.facilitate", review)
    _lock(review)
    if review.phase_reached(Phase.GO_FIRST):
        raise ValidationError(_("Notes are being written already; this can no longer change."))
    fields = []
    if anonymous and not review.anonymous:
        review.anonymous = True
        fields.append("anonymous")
    if safer_round and SAFER_COLUMN not in review.column_keys:
        review.columns = [safer_column(), *review.columns]
        review.safety_round = True
        fields += ["columns", "safety_round"]
    if fields:
        review.save(update_fields=fields)
        _publish(review, "review_phase", phase=review.phase)
    return review


@transaction.atomic
def roti_vote(*, actor: Any, review: Review, value: int) -> None:
    """The one-click "return on time" vote after a review: stored as counts only."""
    if not permissions.can(actor, "review.view", review):
        raise PermissionDenied
    _lock(review)
    if not review.is_closed:
        raise ValidationError(_("Rate the review once it has closed."))
    if not 1 <= int(value) <= 5:
        raise ValidationError({"value": [_("Choose from 1 to 5.")]})
    _mark(review, actor, MarkKind.ROTI, already=_("You have rated this review already. Thank you."))
    counts = dict(review.roti_counts)
    counts[str(int(value))] = int(counts.get(str(int(value)), 0)) + 1
    Review.objects.filter(pk=review.pk).update(roti_counts=counts)
    review.roti_counts = counts
