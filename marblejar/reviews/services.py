"""Changes to learning reviews.

Each function checks permissions through :mod:`marblejar.permissions`,
commits, and publishes a signal on the review's stream (``review:<id>``).
Signals never carry what anyone wrote, nor who wrote it: a client that
receives one fetches the part of the board that changed over HTTP, with its
own permissions, so that what one person may not see never reaches them.

Event kinds: ``review_phase`` (the phase changed: reload the board),
``review_<part>`` for each part of the board in :data:`UPDATE_KINDS`
(reload that part), ``review_presence`` (someone arrived).
"""

from __future__ import annotations

import logging
import random
from datetime import date, datetime
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.timesince import timeuntil
from django.utils.translation import gettext as _

from marblejar import permissions
from marblejar.lib import events
from marblejar.lib.clock import isolated
from marblejar.lib.dates import moment
from marblejar.lib.scrub import forget_after_commit
from marblejar.realtime.models import Event
from marblejar.reviews import selectors
from marblejar.reviews.formats import (
    SAFER_COLUMN,
    builtin_formats,
    parse_columns,
    safer_column,
)
from marblejar.reviews.models import (
    CLOSING_SOON,
    PHASE_ORDER,
    Action,
    ActionStatus,
    Finding,
    FindingKind,
    GoFirst,
    IntentStatement,
    Kind,
    Mark,
    MarkKind,
    Mode,
    Note,
    NoteAuthorship,
    Participant,
    Phase,
    Question,
    Review,
    ReviewTemplate,
    Theme,
    TimelineEvent,
    Vote,
)
from marblejar.teams.models import Membership, Team

logger = logging.getLogger(__name__)

MAX_NOTE = 2000
MAX_TEXT = 3000


def _publish(review: Review, kind: str, **payload: Any) -> None:
    events.publish(
        organization_id=review.organization_id,
        stream=review.stream,
        kind=kind,
        payload={"review_id": review.pk, **payload},
    )


UPDATE_KINDS = (
    "notes",
    "safety",
    "followup",
    "themes",
    "votes",
    "discussion",
    "actions",
    "schedule",  # when it closes
)


def _updated(review: Review, what: str) -> None:
    """Tell the board that one of its parts changed (``review_notes``, ``review_votes``...)."""
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


# The team's statement and templates ---------------------------------------------


@transaction.atomic
def intent_statement_update(*, actor: Any, team: Team, text: str) -> IntentStatement:
    """Set the team's statement of good intent, shown at the top of every review."""
    permissions.require(actor, "review.intent_edit", team)
    text = _text(text, field="text", required=_("Write what you promise one another."))
    statement, _created = IntentStatement.objects.update_or_create(
        team=team,
        defaults={
            "organization_id": team.organization_id,
            "text": text,
            "updated_by": actor,
            "updated_at": timezone.now(),
        },
    )
    return statement


@transaction.atomic
def review_template_create(
    *, actor: Any, team: Team, name: str, kind: str, columns: str, timeline: bool = False
) -> ReviewTemplate:
    """A team's own template; ``columns`` holds one ``Title: prompt`` per line."""
    permissions.require(actor, "review.template_create", team)
    name = _text(name, field="name", required=_("Give the template a name."), limit=80)
    if kind not in Kind.values:
        raise ValidationError({"kind": [_("Choose a kind of review.")]})
    try:
        parsed = parse_columns(columns)
    except ValueError as e:
        raise ValidationError({"columns": [str(e)]}) from None
    return ReviewTemplate.objects.create(
        organization_id=team.organization_id,
        team=team,
        name=name,
        kind=kind,
        columns=parsed,
        timeline=timeline,
        created_by=actor,
    )


def _resolve_format(team: Team, key: str) -> tuple[str, list[dict[str, str]], bool, str]:
    """(name, columns, timeline, kind) of ``builtin:<key>`` or a team's ``team:<id>``."""
    source, _sep, ident = key.partition(":")
    if source == "builtin":
        fmt = builtin_formats().get(ident)
        if fmt:
            return fmt.name, [dict(c) for c in fmt.columns], fmt.timeline, fmt.kind
    elif source == "team" and ident.isdigit():
        template = selectors.team_templates(team=team).filter(pk=int(ident)).first()
        if template:
            return template.name, list(template.columns), template.timeline, template.kind
    raise ValidationError({"template": [_("Choose one of the templates offered.")]})


# Scheduling and phases -----------------------------------------------------------------


@transaction.atomic
def review_schedule(
    *,
    actor: Any,
    team: Team,
    title: str,
    purpose: str,
    agenda: str,
    template: str,
    kind: str | None = None,
    mode: str = Mode.LIVE,
    anonymous: bool = False,
    votes_per_person: int = 3,
    scheduled_for: datetime | None = None,
    open_until: datetime | None = None,
    facilitator: Any = None,
) -> Review:
    """Schedule a review. No hidden agenda: a purpose and an agenda are required.

    The scheduler facilitates unless they name another member of the team.
    An asynchronous review with an ``open_until`` time closes on its own then
    (see :func:`review_advance_due`), which the worker is asked to do.
    """
    permissions.require(actor, "review.create", team)
    errors: dict[str, list[str]] = {}
    title = (title or "").strip()
    purpose = (purpose or "").strip()
    agenda = (agenda or "").strip()
    if not title:
        errors["title"] = [_("Give the review a title.")]
    elif len(title) > 120:
        errors["title"] = [_("Keep the title to 120 characters or fewer.")]
    if not purpose:
        errors["purpose"] = [_("Say why you are holding this review: everyone invited sees it.")]
    if not agenda:
        errors["agenda"] = [_("Give an agenda: everyone invited sees it before it starts.")]
    for field, value in (("purpose", purpose), ("agenda", agenda)):
        if len(value) > MAX_TEXT:
            errors[field] = [_("Keep it to %(max)s characters or fewer.") % {"max": MAX_TEXT}]
    if mode not in Mode.values:
        errors["mode"] = [_("Choose live or asynchronous.")]
    if not 1 <= int(votes_per_person) <= 10:
        errors["votes_per_person"] = [_("Give each person between 1 and 10 votes.")]
    now = timezone.now()
    scheduled_for, open_until = _aware(scheduled_for), _aware(open_until)
    if mode == Mode.ASYNC and open_until:
        if open_until <= now:
            errors["open_until"] = [_("Choose a time in the future.")]
        elif scheduled_for and open_until <= scheduled_for:
            errors["open_until"] = [_("Choose a time after the review starts.")]
    if (
        facilitator is not None
        and not Membership.objects.filter(team=team, user=facilitator).exists()
    ):
        errors["facilitator"] = [_("The facilitator must be in the team.")]
    try:
        name, columns, timeline, template_kind = _resolve_format(team, template)
    except ValidationError as e:
        errors.update(e.message_dict)
        name, columns, timeline, template_kind = "", [], False, Kind.RETROSPECTIVE
    if kind and kind not in Kind.values:
        errors["kind"] = [_("Choose a kind of review.")]
    if errors:
        raise ValidationError(errors)
    review = Review.objects.create(
        organization_id=team.organization_id,
        team=team,
        kind=kind or template_kind,
        title=title,
        purpose=purpose,
        agenda=agenda,
        intent=selectors.intent_text_for(team=team),
        template_name=name,
        columns=columns,
        timeline=timeline,
        mode=mode,
        anonymous=anonymous,
        votes_per_person=int(votes_per_person),
        facilitator=facilitator or actor,
        scheduled_for=scheduled_for,
        open_until=open_until if mode == Mode.ASYNC else None,
        created_by=actor,
    )
    if review.closes_on_its_own:
        review.reminder_due_at = _reminder_due(review, now=now)
        review.save(update_fields=["reminder_due_at"])
        _enqueue_clock(review)
    return review


def _aware(when: datetime | None) -> datetime | None:
    # The API accepts times without a zone: they mean the site's time zone.
    if when is not None and timezone.is_naive(when):
        return timezone.make_aware(when)
    return when


@transaction.atomic
def review_advance_phase(*, actor: Any, review: Review, expected: str | None = None) -> Review:
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
    if review.phase == Phase.GO_FIRST and not GoFirst.objects.filter(review=review).exists():
        raise ValidationError(
            _("Go first: write your own part before the others' notes can be revealed.")
        )
    if review.phase == Phase.GROUP and not selectors.themes(review=review).exists():
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


# The clock: asynchronous reviews close on their own ---------------------------------
#
# An asynchronous review with an "open until" time closes itself then, from
# whatever phase it is in, through the facilitator's own close path
# (``_move_to``). A day before, people who have not taken part in the current
# phase are reminded and the facilitator is told. All of it happens in
# :func:`review_advance_due`, which the worker runs at each due moment and
# every board, list and API read of the review runs first: a task that never
# ran only delays a close until someone looks.


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


def review_current(*, user: Any, review_id: int, action: str = "review.view") -> Review:
    """The review the user may ``action``, after the clock has had its say.

    Every board, form and API call loads its review through here, so that a
    review whose open-until time has passed is closed before anything is read
    from it or written to it, even when no worker is running.
    """
    review = selectors.review_get(user=user, review_id=review_id)
    now = timezone.now()
    # Read from the row already loaded: most calls have nothing due and cost
    # no further query.
    reminder_due = review.reminder_due_at is not None and review.reminder_due_at <= now
    if (review.is_due(now) or reminder_due) and any(
        review_advance_due(now=now, review_id=review.pk).values()
    ):
        review.refresh_from_db()
    if action != "review.view":
        _require_open(user, action, review)
    return review


def review_advance_due(
    *, now: datetime | None = None, team: Team | None = None, review_id: int | None = None
) -> dict[str, int]:
    """Close every asynchronous review whose time is up and send the reminders due by ``now``.

    Safe to call any number of times, from any number of processes: each
    review is closed, and each reminder sent, once. Live reviews are never
    closed by the clock.
    """
    now = now or timezone.now()
    reviews = Review.objects.filter(mode=Mode.ASYNC, open_until__isnull=False).exclude(
        phase=Phase.CLOSED
    )
    if team is not None:
        reviews = reviews.filter(team=team)
    if review_id is not None:
        reviews = reviews.filter(pk=review_id)
    done = {"closed": 0, "reminded": 0, "failed": 0}
    steps = [
        ("closed", pk, lambda pk=pk: _close_due(pk, now=now))
        for pk in reviews.filter(open_until__lte=now).values_list("pk", flat=True)
    ]
    due = reviews.filter(open_until__gt=now, reminder_due_at__lte=now)
    steps += [
        ("reminded", pk, lambda pk=pk: _remind(pk, now=now))
        for pk in due.values_list("pk", flat=True)
    ]
    for what, pk, step in steps:
        outcome = isolated(step, what=f"move on ({what})", item=f"review {pk}")
        if outcome is None:
            done["failed"] += 1
        elif outcome:
            done[what] += 1
    return done


@transaction.atomic
def _close_due(review_id: int, *, now: datetime) -> bool:
    review = Review.objects.select_for_update().filter(pk=review_id).first()
    if review is None or not review.is_due(now):
        return False  # closed meanwhile, or its time was moved
    _move_to(review, Phase.CLOSED, now=now, by_clock=True)
    return True


@transaction.atomic
def _remind(review_id: int, *, now: datetime) -> bool:
    """Send the day-before reminder of one review, once."""
    claimed = (
        Review.objects.filter(
            pk=review_id, mode=Mode.ASYNC, reminder_due_at__lte=now, open_until__gt=now
        )
        .exclude(phase=Phase.CLOSED)
        .update(reminder_due_at=None, reminder_sent_at=now)
    )
    if not claimed:
        return False  # another process got there first, or it closed
    review = Review.objects.select_related("team").get(pk=review_id)
    people, runners = selectors.reminder_recipients(review=review)
    url = settings.SITE_URL + reverse("reviews:board", args=[review.pk])
    assert review.open_until is not None
    values = {
        "title": review.title,
        "team": review.team.name,
        "purpose": review.purpose,
        "closes": moment(review.open_until, with_zone=True),
        "left": timeuntil(review.open_until, now, depth=1),
        "phase": phase_label(review.phase),
        "url": url,
    }
    messages = [
        (
            _("Reminder: “%(title)s” closes in %(left)s") % values,
            _(
                "The learning review “%(title)s” of %(team)s is open until %(closes)s, "
                "%(left)s from now. There is still time to add your part to the "
                "current phase (%(phase)s), whenever suits you.\n\n"
                "Why we are holding this review:\n%(purpose)s\n\n%(url)s\n"
            )
            % values,
            [u.email for u in people],
        ),
        (
            _("“%(title)s” closes in %(left)s") % values,
            _(
                "The learning review “%(title)s” that you facilitate closes on its own "
                "at %(closes)s, %(left)s from now. It is in the phase: %(phase)s.\n\n"
                "It closes from whatever phase it is in then: notes that have not been "
                "revealed by then stay private to their authors. To give people more "
                "time, change its “open until” time on the board:\n\n%(url)s#open-until\n"
            )
            % values,
            [u.email for u in runners],
        ),
    ]

    def send() -> None:
        # One message per person, so that nobody sees who else was (not) reminded.
        for subject, body, addresses in messages:
            for address in addresses:
                _send(subject, body, address)

    transaction.on_commit(send)
    return True


def _send(subject: str, body: str, address: str) -> None:
    # A failing mail server must not undo or stop a reminder or a close.
    try:
        send_mail(subject, body, None, [address])
    except Exception:
        logger.exception("Could not send review e-mail %r", subject)


# Presence and the safety check -------------------------------------------------------


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


# Open actions from earlier reviews --------------------------------------------------------


@transaction.atomic
def action_set_status(
    *, actor: Any, action: Action, status: str, note: str = "", review: Review | None = None
) -> Action:
    """Record how an improvement action went: done, still open, or dropped."""
    permissions.require(actor, "review.action_update", action)
    if status not in ActionStatus.values:
        raise ValidationError({"status": [_("Choose done, still open or dropped.")]})
    if review is not None:
        _require_open(actor, "review.participate", review)
        if review.team_id != action.team_id:
            raise ValidationError(_("This action belongs to another team."))
    action.status = status
    if note.strip():
        action.status_note = note.strip()[:2000]
    action.updated_at = timezone.now()
    if review is not None:
        action.last_checked_in = review
    action.save(update_fields=["status", "status_note", "updated_at", "last_checked_in"])
    if review is not None:
        _updated(review, "followup")
    return action


# Go first and notes ---------------------------------------------------------------------


@transaction.atomic
def go_first_write(*, actor: Any, review: Review, part: str, revisit: str) -> GoFirst:
    """The facilitator or a lead writes their own part, before anyone sees the notes.

    Everyone sees it as soon as it is written; it can be edited until the reveal.
    """
    _require_open(actor, "review.go_first", review)
    _lock(review)
    if review.is_revealed:
        raise ValidationError(_("The notes are revealed; going first is done."))
    errors = {}
    try:
        part = _text(
            part,
            field="part",
            required=_("Describe your own part in what happened."),
            limit=4000,
        )
    except ValidationError as e:
        errors.update(e.message_dict)
    try:
        revisit = _text(
            revisit,
            field="revisit",
            required=_("Name a decision you would revisit."),
            limit=4000,
        )
    except ValidationError as e:
        errors.update(e.message_dict)
    if errors:
        raise ValidationError(errors)
    go_first, _created = GoFirst.objects.update_or_create(
        review=review,
        defaults={
            "organization_id": review.organization_id,
            "author": actor,
            "part": part,
            "revisit": revisit,
        },
    )
    _publish(review, "review_phase", phase=review.phase)
    return go_first


def _check_writable(review: Review) -> None:
    _require_phase(
        review,
        Phase.GO_FIRST,
        Phase.REFLECT,
        message=_("Notes can be written from the go-first phase until the reveal."),
    )


@transaction.atomic
def note_add(
    *,
    actor: Any,
    review: Review,
    text: str,
    column: str = "",
    timeline_event: TimelineEvent | None = None,
) -> Note:
    """Write a private note, in a column or on a timeline event.

    Nobody but the author sees its text until the reveal. In a review with
    anonymous notes, the note itself holds no author and no time.
    """
    _require_open(actor, "review.participate", review)
    _check_writable(review)
    text = _text(text, field="text", required=_("Write something first."), limit=MAX_NOTE)
    if timeline_event is not None:
        if timeline_event.review_id != review.pk:
            raise ValidationError({"timeline_event": [_("Choose an event of this review.")]})
        column = ""
    elif column not in review.column_keys:
        raise ValidationError({"column": [_("Choose one of the review's columns.")]})
    if not review.anonymous:
        # In an anonymous review no row that names the writer may change in
        # the same transaction as their note (they take part by having the
        # board open, which is recorded apart from what they write).
        _participant(review, actor)
    note = Note.objects.create(
        organization_id=review.organization_id,
        review=review,
        column=column,
        timeline_event=timeline_event,
        text=text,
        author=None if review.anonymous else actor,
        created_at=None if review.anonymous else timezone.now(),
    )
    if review.anonymous:
        NoteAuthorship.objects.create(
            organization_id=review.organization_id,
            review=review,
            note=note,
            author_tag=review.tag_for(actor, "note"),
        )
    _updated(review, "notes")
    return note


@transaction.atomic
def note_update(*, actor: Any, note: Note, text: str) -> Note:
    """The author edits their note (possible until the review closes)."""
    permissions.require(actor, "review.note_edit", note)
    note.text = _text(text, field="text", required=_("Write something first."), limit=MAX_NOTE)
    note.save(update_fields=["text"])
    _updated(note.review, "notes")
    return note


@transaction.atomic
def note_delete(*, actor: Any, note: Note) -> None:
    permissions.require(actor, "review.note_edit", note)
    review = note.review
    if review.is_revealed:
        raise ValidationError(_("After the reveal a note stays; you can still edit it."))
    note.delete()
    _updated(review, "notes")


@transaction.atomic
def timeline_event_add(
    *, actor: Any, review: Review, happened_at: datetime, what: str, source: str = ""
) -> TimelineEvent:
    """Add an event to an incident's timeline (until the notes are revealed)."""
    _require_open(actor, "review.participate", review)
    if not review.timeline:
        raise ValidationError(_("This review has no timeline."))
    if review.is_revealed:
        raise ValidationError(_("The timeline is fixed once the notes are revealed."))
    if happened_at is None:
        raise ValidationError({"happened_at": [_("When did it happen?")]})
    what = _text(what, field="what", required=_("Say what happened."), limit=2000)
    event = TimelineEvent.objects.create(
        organization_id=review.organization_id,
        review=review,
        happened_at=happened_at,
        what=what,
        source=(source or "").strip()[:200],
    )
    _publish(review, "review_phase", phase=review.phase)
    return event


# Grouping and voting ----------------------------------------------------------------------


@transaction.atomic
def theme_create(*, actor: Any, review: Review, title: str) -> Theme:
    _require_open(actor, "review.participate", review)
    _require_phase(review, Phase.GROUP, message=_("Themes are made in the group phase."))
    title = _text(title, field="title", required=_("Name the theme."), limit=200)
    position = selectors.themes(review=review).count()
    theme = Theme.objects.create(
        organization_id=review.organization_id, review=review, title=title, position=position
    )
    _updated(review, "themes")
    return theme


@transaction.atomic
def note_move(*, actor: Any, note: Note, theme: Theme | None) -> Note:
    """Put a revealed note into a theme (or take it out of one)."""
    review = note.review
    _require_open(actor, "review.participate", review)
    _require_phase(review, Phase.GROUP, message=_("Notes are grouped in the group phase."))
    if theme is not None and theme.review_id != review.pk:
        raise ValidationError({"theme": [_("Choose a theme of this review.")]})
    Note.objects.filter(pk=note.pk).update(theme=theme)
    note.theme = theme
    _updated(review, "themes")
    return note


@transaction.atomic
def vote_cast(*, actor: Any, theme: Theme) -> int:
    """Put one of the actor's votes on ``theme``; returns how many they have left."""
    review = theme.review
    _require_open(actor, "review.participate", review)
    _lock(review)
    _require_phase(review, Phase.VOTE, message=_("Voting is open in the vote phase only."))
    # The review's row lock (taken above) serialises votes, so two clicks at
    # once cannot spend more votes than a person has.
    voter = review.tag_for(actor, "vote")
    used = Vote.objects.filter(review=review, voter_tag=voter).count()
    if used >= review.votes_per_person:
        raise ValidationError(
            _("You have used all %(n)s of your votes. Take one back to move it.")
            % {"n": review.votes_per_person}
        )
    Vote.objects.create(
        organization_id=review.organization_id, review=review, theme=theme, voter_tag=voter
    )
    _updated(review, "votes")
    return review.votes_per_person - used - 1


@transaction.atomic
def vote_withdraw(*, actor: Any, theme: Theme) -> int:
    review = theme.review
    _require_open(actor, "review.participate", review)
    _lock(review)
    _require_phase(review, Phase.VOTE, message=_("Voting is open in the vote phase only."))
    voter = review.tag_for(actor, "vote")
    vote = Vote.objects.filter(review=review, theme=theme, voter_tag=voter).first()
    if vote is None:
        raise ValidationError(_("You have no vote on this theme."))
    vote.delete()
    _updated(review, "votes")
    return review.votes_per_person - Vote.objects.filter(review=review, voter_tag=voter).count()


# Discussion -------------------------------------------------------------------------------


def _discussing(review: Review) -> None:
    _require_phase(
        review,
        Phase.DISCUSS,
        Phase.ACTIONS,
        message=_("This is for the discussion, which has not started."),
    )


@transaction.atomic
def finding_add(*, actor: Any, theme: Theme, kind: str, text: str) -> Finding:
    review = theme.review
    _require_open(actor, "review.participate", review)
    _discussing(review)
    if kind not in FindingKind.values:
        raise ValidationError({"kind": [_("Choose a discussion note, a finding or a factor.")]})
    text = _text(text, field="text", required=_("Write something first."))
    finding = Finding.objects.create(
        organization_id=review.organization_id,
        review=review,
        theme=theme,
        kind=kind,
        text=text,
        author=None if review.anonymous else actor,
    )
    _updated(review, "discussion")
    return finding


@transaction.atomic
def question_ask(*, actor: Any, theme: Theme, text: str, intent: str) -> Question:
    """Ask a question, saying why: "I am asking because…" is required."""
    review = theme.review
    _require_open(actor, "review.participate", review)
    _discussing(review)
    errors = {}
    try:
        text = _text(text, field="text", required=_("Write your question."), limit=2000)
    except ValidationError as e:
        errors.update(e.message_dict)
    try:
        intent = _text(
            intent,
            field="intent",
            required=_("Say why you are asking, so that nobody has to guess your intent."),
            limit=2000,
        )
    except ValidationError as e:
        errors.update(e.message_dict)
    if errors:
        raise ValidationError(errors)
    question = Question.objects.create(
        organization_id=review.organization_id,
        review=review,
        theme=theme,
        text=text,
        intent=intent,
        asked_by=None if review.anonymous else actor,
    )
    _updated(review, "discussion")
    return question


@transaction.atomic
def question_answer(*, actor: Any, question: Question, answer: str) -> Question:
    review = question.review
    _require_open(actor, "review.participate", review)
    _discussing(review)
    answer = _text(answer, field="answer", required=_("Write the answer."))
    question.answer = answer
    question.answered_by = None if review.anonymous else actor
    question.save(update_fields=["answer", "answered_by"])
    _updated(review, "discussion")
    return question


# Actions ------------------------------------------------------------------------------------


@transaction.atomic
def action_create(
    *,
    actor: Any,
    review: Review,
    title: str,
    expected_effect: str,
    due_on: date | None,
    check_on: date | None,
    owner: Any = None,
    theme: Theme | None = None,
) -> Action:
    """An improvement action: who, by when, and how we will know it worked."""
    _require_open(actor, "review.participate", review)
    _discussing(review)
    errors: dict[str, list[str]] = {}
    title = (title or "").strip()
    expected_effect = (expected_effect or "").strip()
    if not title:
        errors["title"] = [_("Say what you will do.")]
    elif len(title) > 200:
        errors["title"] = [_("Keep it to 200 characters or fewer.")]
    if not expected_effect:
        errors["expected_effect"] = [_("Say how you will know it worked.")]
    if due_on is None:
        errors["due_on"] = [_("Give a due date.")]
    if check_on is None:
        errors["check_on"] = [_("Give a date to check whether it worked.")]
    elif due_on and check_on < due_on:
        errors["check_on"] = [_("Check on or after the due date.")]
    if owner is not None and not Membership.objects.filter(team=review.team, user=owner).exists():
        errors["owner"] = [_("The owner must be in the team.")]
    if theme is not None and theme.review_id != review.pk:
        errors["theme"] = [_("Choose a theme of this review.")]
    if errors:
        raise ValidationError(errors)
    action = Action.objects.create(
        organization_id=review.organization_id,
        team_id=review.team_id,
        review=review,
        theme=theme,
        title=title,
        owner=owner,
        due_on=due_on,
        expected_effect=expected_effect[:2000],
        check_on=check_on,
        created_by=actor,
    )
    _updated(review, "actions")
    return action


# Closing -------------------------------------------------------------------------------------


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


def phase_label(phase: str) -> str:
    return str(Phase(phase).label)


def phase_number(phase: str) -> int:
    return PHASE_ORDER.index(phase)
