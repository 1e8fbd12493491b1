"""The facilitator's tools: the phase timer, who is done writing, the spotlight.

Everyone sees all three; only the facilitator (or a lead) changes the timer
and the spotlight. "Done writing" is counted, never listed by name.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from marblejar.reviews import selectors
from marblejar.reviews.models import Participant, Phase, Review, Theme
from marblejar.reviews.services.guards import (
    _lock,
    _participant,
    _require_open,
    _require_phase,
    _updated,
)

MAX_TIMER_MINUTES = 120
TIMER_ACTIONS = ("set", "extend", "pause", "resume", "clear")


@transaction.atomic
def review_timer(*, actor: Any, review: Review, action: str, minutes: int = 0) -> Review:
    """Set the phase timer to ``minutes``, extend it by ``minutes``, pause, resume or clear it."""
    _require_open(actor, "review.facilitate", review)
    locked = _lock(review)
    now = timezone.now()
    if action not in TIMER_ACTIONS:
        raise ValidationError(_("Set, extend, pause, resume or clear the timer."))
    if action in ("set", "extend") and not 1 <= minutes <= MAX_TIMER_MINUTES:
        raise ValidationError(
            {"minutes": [_("Choose from 1 to %(n)s minutes.") % {"n": MAX_TIMER_MINUTES}]}
        )
    left = locked.timer_seconds_left(now)
    if action == "set":
        locked.timer_ends_at, locked.timer_left = now + timedelta(minutes=minutes), None
    elif action == "extend":
        if left is None:
            raise ValidationError(_("There is no timer to extend; set one first."))
        if locked.timer_paused:
            locked.timer_left = timedelta(seconds=left + minutes * 60)
        else:
            locked.timer_ends_at = now + timedelta(seconds=left + minutes * 60)
    elif action == "pause":
        if left is None or locked.timer_paused:
            raise ValidationError(_("The timer is not running."))
        locked.timer_left, locked.timer_ends_at = timedelta(seconds=left), None
    elif action == "resume":
        if not locked.timer_paused:
            raise ValidationError(_("The timer is not paused."))
        locked.timer_ends_at, locked.timer_left = now + timedelta(seconds=left or 0), None
    else:
        locked.timer_ends_at = locked.timer_left = None
    locked.save(update_fields=["timer_ends_at", "timer_left"])
    review.timer_ends_at, review.timer_left = locked.timer_ends_at, locked.timer_left
    _updated(review, "timer")
    return review


@transaction.atomic
def participant_done(*, actor: Any, review: Review, done: bool = True) -> Participant:
    """Say that one is done writing in this phase (or not yet); the board counts, never names."""
    _require_open(actor, "review.participate", review)
    _require_phase(
        review,
        Phase.GO_FIRST,
        Phase.REFLECT,
        message=_("Saying you are done is for the writing phases."),
    )
    participant = _participant(review, actor)
    participant.done_in = review.phase if done else ""
    participant.save(update_fields=["done_in"])
    _updated(review, "progress")
    return participant


@transaction.atomic
def review_spotlight(*, actor: Any, review: Review, theme: Theme | None = None) -> Theme | None:
    """Take everyone to ``theme``, or, with none given, to the next theme in vote order."""
    _require_open(actor, "review.facilitate", review)
    locked = _lock(review)
    _require_phase(
        review,
        Phase.DISCUSS,
        Phase.ACTIONS,
        message=_("The spotlight is for the discussion."),
    )
    themes = list(selectors.themes_in_vote_order(review=review))
    if theme is None:
        ids = [t.pk for t in themes]
        if locked.spotlight_id in ids and ids.index(locked.spotlight_id) + 1 < len(ids):
            theme = themes[ids.index(locked.spotlight_id) + 1]
        elif locked.spotlight_id not in ids and themes:
            theme = themes[0]
        else:
            raise ValidationError(_("This is the last theme."))
    elif theme.review_id != review.pk:
        raise ValidationError(_("Choose a theme of this review."))
    locked.spotlight = theme
    locked.save(update_fields=["spotlight"])
    review.spotlight = theme
    _updated(review, "spotlight")
    return theme


def spotlight_first(review: Review) -> None:
    """On the way into the discussion: the theme with most votes goes first (no signal)."""
    first = selectors.themes_in_vote_order(review=review).first()
    review.spotlight = first
    review.save(update_fields=["spotlight"])
