"""Moving a review from phase to phase, and what leaving a phase or closing does."""

from __future__ import annotations

import logging
import random
from datetime import datetime
from typing import Any

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from marblejar.lib.scrub import forget_after_commit
from marblejar.realtime.models import Event
from marblejar.reviews import selectors
from marblejar.reviews.models import (
    GoFirst,
    Kind,
    Mark,
    MarkKind,
    Note,
    NoteAuthorship,
    Participant,
    Phase,
    Review,
    Theme,
    Vote,
)
from marblejar.reviews.services import notices
from marblejar.reviews.services.facilitation import spotlight_first
from marblejar.reviews.services.guards import _lock, _publish, _require_open
from marblejar.reviews.services.guests import guests_end
from marblejar.reviews.services.safety import _safety_reveal
from marblejar.teams.models import Team

logger = logging.getLogger(__name__)


@transaction.atomic
def review_advance_phase(
    *, actor: Any, review: Review, expected: str | None = None, skip_grouping: bool = False
) -> Review:
    """Move the review to its next phase (the facilitator's or a lead's call).

    ``expected`` is the phase the facilitator saw: if the review has moved on
    meanwhile (a double click, a second lead), nothing happens twice.

    Gates: the reveal cannot happen before the facilitator (or a lead) has
    gone first; voting needs at least one theme. Leaving the vote phase turns
    the votes into counts and deletes who voted for what; closing removes
    every link between an anonymous note and its author.

    An asynchronous review whose "open until" time has passed, and which
    nothing has closed yet (no worker ran, nobody looked), closes instead,
    as the clock would have: it does not move on, so notes the clock keeps
    private are not revealed late.

    ``skip_grouping``: an incident debrief may go from reflecting (or
    grouping) straight to the discussion, the notes revealed in one theme
    ("What happened") unless themes were made already.
    """
    _require_open(actor, "review.facilitate", review)
    locked = _lock(review)
    if locked.is_due(timezone.now()):
        _move_to(locked, Phase.CLOSED, by_clock=True)
        review.refresh_from_db()
        return review
    if expected and expected != review.phase:
        raise ValidationError(_("The review has already moved on; the board now shows where."))
    target = review.next_phase
    if target is None:
        raise ValidationError(_("This review is closed."))
    if skip_grouping:
        if review.kind != Kind.INCIDENT or review.phase not in (Phase.REFLECT, Phase.GROUP):
            raise ValidationError(
                _("Only an incident debrief can skip grouping and voting, from reflect or group.")
            )
        if not GoFirst.objects.filter(review=review).exists():
            raise ValidationError(
                _("Go first: write your own part before the others' notes can be revealed.")
            )
        if not selectors.themes(review=review).exists():
            theme = Theme.objects.create(
                organization_id=review.organization_id, review=review, title=_("What happened")
            )
            Note.objects.filter(review=review, timeline_event__isnull=True).update(theme=theme)
        review.skipped_grouping = True
        review.save(update_fields=["skipped_grouping"])
        target = Phase.DISCUSS
    if review.phase == Phase.GO_FIRST and not GoFirst.objects.filter(review=review).exists():
        raise ValidationError(
            _("Go first: write your own part before the others' notes can be revealed.")
        )
    if (
        not skip_grouping
        and review.phase == Phase.GROUP
        and not selectors.themes(review=review).exists()
    ):
        raise ValidationError(_("Group the notes into at least one theme before voting."))
    _move_to(review, target)
    return review


def _move_to(
    review: Review, target: str, *, now: datetime | None = None, by_clock: bool = False
) -> None:
    """Move a locked ``review`` to ``target``: the one path every phase change takes.

    The facilitator's button and the clock (an asynchronous review reaching
    its "open until" time, which may close it from any phase) both come
    here, so that leaving the vote phase and closing do exactly the same
    things whoever triggers them.
    """
    now = now or timezone.now()
    leaving = review.phase
    if leaving == Phase.VOTE:
        _count_votes(review)
    if leaving == Phase.CHECKIN:
        _forget_safety_answers(review)
    review.phase = target
    review.phase_changed_at = now
    fields = ["phase", "phase_changed_at"]
    if target == Phase.DISCUSS:
        spotlight_first(review)
    if target == Phase.CLOSED:
        review.closed_from = leaving
        review.closed_by_clock = by_clock
        # Closed by the clock, it closed at its "open until" time, whenever
        # the worker or a page view got round to it.
        review.closed_at = review.open_until if by_clock and review.open_until else now
        review.reminder_due_at = None
        fields += ["closed_from", "closed_by_clock", "closed_at", "reminder_due_at"]
    review.save(update_fields=fields)
    if target == Phase.CLOSED:
        _close(review)
        notices.tell_closed(review)
    elif leaving == Phase.SCHEDULED:
        notices.tell_started(review)
    _publish(review, "review_phase", phase=target)


def _count_votes(review: Review) -> None:
    """Turn per-voter votes into a count per theme, then forget who voted."""
    votes = Vote.objects.filter(review=review)
    counts: dict[int, int] = {}
    for theme_id in votes.values_list("theme_id", flat=True):
        counts[theme_id] = counts.get(theme_id, 0) + 1
    for theme in selectors.themes(review=review):
        theme.vote_count = counts.get(theme.pk, 0)
        theme.save(update_fields=["vote_count"])
    votes.delete()


def _close(review: Review) -> None:
    Vote.objects.filter(review=review).delete()
    go_first = GoFirst.objects.filter(review=review).select_related("author").first()
    if go_first:
        _drop_marble(
            team=review.team,
            act_key=f"review:{review.pk}:go_first",
            act="go_first",
            act_by=go_first.author,
            response="learned",
            response_by=None,
        )
    for question in selectors.questions(review=review).exclude(answer=""):
        _drop_marble(
            team=review.team,
            act_key=f"review:{review.pk}:question:{question.pk}",
            act="question",
            act_by=question.asked_by,
            response="comment",
            response_by=question.answered_by,
        )
    if review.anonymous:
        _forget_authors(review)
    # The guests' part ends with the review (their streams close at once).
    guests_end(review=review)
    _forget_history(review)


def _forget_safety_answers(review: Review) -> None:
    """After the check-in: only the counts stay, not who answered nor when each answer came."""
    _safety_reveal(review, waiting=0)
    Mark.objects.filter(review=review, kind=MarkKind.SAFETY).delete()
    Event.objects.filter(stream=review.stream, kind="review_safety").delete()
    _forget_history(review)


def _forget_history(review: Review) -> None:
    # Older versions of what was just deleted or rewritten (tags, counts, the
    # order notes were written in) stay in the database files until a
    # checkpoint (SQLite) or VACUUM (PostgreSQL); see marblejar.lib.scrub.
    forget_after_commit(
        tables=[
            Note._meta.db_table,
            Review._meta.db_table,
            Vote._meta.db_table,
            Event._meta.db_table,
            Participant._meta.db_table,
        ],
        rewrite=[NoteAuthorship._meta.db_table, Mark._meta.db_table],
    )


def _forget_authors(review: Review) -> None:
    """Remove every link between an anonymous note and a person.

    The authorship rows go. The notes are written again in a random order
    with new random ids, so that not even the order of rows on disk follows
    the order in which people wrote.
    """
    NoteAuthorship.objects.filter(review=review).delete()
    notes = list(Note.objects.filter(review=review))
    random.SystemRandom().shuffle(notes)
    Note.objects.filter(review=review).delete()
    Note.objects.bulk_create(
        Note(
            organization_id=n.organization_id,
            review_id=n.review_id,
            column=n.column,
            timeline_event_id=n.timeline_event_id,
            text=n.text,
            theme_id=n.theme_id,
        )
        for n in notes
    )
    # When people wrote is a trace too: a stored "notes changed" event at the
    # moment someone first joined or was last seen would say who wrote then.
    # Clients that reconnect after the close need only the close itself.
    Event.objects.filter(stream=review.stream).delete()
    Participant.objects.filter(review=review).update(
        joined_at=review.closed_at, last_seen=review.closed_at
    )


def _drop_marble(
    *,
    team: Team,
    act_key: str,
    act: str,
    act_by: Any,
    response: str,
    response_by: Any,
) -> None:
    """Drop a marble in the team's jar, when the marble jar is installed.

    ``act`` is ``go_first`` (a leader wrote their own part first) or
    ``question`` (a question asked with its intent got an answer); the jar
    names them with its own choices where it has them.
    """
    if not apps.is_installed("marblejar.jar"):
        return
    try:
        from marblejar.jar.models import Act, Response
        from marblejar.jar.services import jar_marble_drop
    except ImportError:
        return
    act_value = {
        "go_first": getattr(Act, "GO_FIRST", getattr(Act, "MISTAKE", act)),
        "question": getattr(Act, "QUESTION", getattr(Act, "LESSON", act)),
    }.get(act, act)
    response_value = {
        "learned": getattr(Response, "LEARNED", response),
        "comment": getattr(Response, "COMMENT", response),
    }.get(response, response)
    try:
        with transaction.atomic():
            jar_marble_drop(
                team=team,
                act_key=act_key,
                act=act_value,
                response=response_value,
                act_by=act_by,
                response_by=response_by,
            )
    except Exception:
        # A marble is a celebration, not a reason for closing a review to fail.
        logger.exception("Could not drop a marble for %s", act_key)
