"""A review's life: the team's statement and templates, scheduling, and the clock catching up.

Every board, list and API read of a review goes through
:func:`review_current`, which runs :func:`review_advance_due` first when
something is due: a task that never ran only delays a close until someone
looks.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.timesince import timeuntil
from django.utils.translation import gettext as _

from marblejar import permissions
from marblejar.lib.clock import isolated
from marblejar.lib.dates import moment
from marblejar.reviews import selectors
from marblejar.reviews.formats import (
    builtin_formats,
    parse_columns,
)
from marblejar.reviews.models import (
    IntentStatement,
    Kind,
    Mode,
    Phase,
    Review,
    ReviewTemplate,
)
from marblejar.reviews.services import notices
from marblejar.reviews.services.clock import _enqueue_clock, _reminder_due
from marblejar.reviews.services.guards import (
    MAX_TEXT,
    _aware,
    _require_open,
    _text,
    phase_label,
)
from marblejar.reviews.services.phases import _move_to
from marblejar.teams.models import Membership, Team

logger = logging.getLogger(__name__)

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
    elif source == "team" and ident.isdecimal():
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
    notices.tell_scheduled(review, actor=actor)
    return review


def review_current(
    *, user: Any, review_id: int, action: str = "review.view", with_version: bool = False
) -> Review:
    """The review the user may ``action``, after the clock has had its say.

    Every board, form and API call loads its review through here, so that a
    review whose open-until time has passed is closed before anything is read
    from it or written to it, even when no worker is running. With
    ``with_version``, ``review.version`` is the newest event id of its
    stream as of that read (see :func:`selectors.review_get`).
    """
    review = selectors.review_get(user=user, review_id=review_id, with_version=with_version)
    now = timezone.now()
    # Read from the row already loaded: most calls have nothing due and cost
    # no further query.
    reminder_due = review.reminder_due_at is not None and review.reminder_due_at <= now
    if (review.is_due(now) or reminder_due) and any(
        review_advance_due(now=now, review_id=review.pk, remind=False).values()
    ):
        review.refresh_from_db()
    if action != "review.view":
        _require_open(user, action, review)
    return review


def reviews_overdue(team: Any, now: datetime) -> QuerySet[Review]:
    """The asynchronous reviews of ``team`` (a team or an OuterRef) past their open-until time."""
    return Review.objects.filter(team=team, mode=Mode.ASYNC, open_until__lte=now).exclude(
        phase=Phase.CLOSED
    )


def review_catch_up(*, team: Team, now: datetime | None = None) -> bool:
    """Close the team's asynchronous reviews whose time is up, before a page lists them.

    The worker closes each review on time and sends its reminder; this only
    covers a worker that is late or stopped, so that a list never shows a
    review open past its closing time. It costs one indexed query when
    nothing is overdue, which is nearly always. Reminders are left to the
    worker: they only send e-mail, and a read never does.
    """
    now = now or timezone.now()
    # Read with the team (team_get(due=True)): no query when nothing is due.
    if getattr(team, "reviews_due", None) is False:
        return False
    overdue = list(reviews_overdue(team, now).values_list("pk", flat=True))
    for pk in overdue:
        isolated(
            lambda pk=pk: _close_due(pk, now=now), what="move on (closed)", item=f"review {pk}"
        )
    return bool(overdue)


def review_advance_due(
    *,
    now: datetime | None = None,
    team: Team | None = None,
    review_id: int | None = None,
    remind: bool = True,
) -> dict[str, int]:
    """Close every asynchronous review whose time is up and send the reminders due by ``now``.

    Safe to call any number of times, from any number of processes: each
    review is closed, and each reminder sent, once. Live reviews are never
    closed by the clock.

    A page or API read passes ``remind=False``: it closes what is due (so
    that nothing stale is read) but only queues the reminders, because
    e-mail goes out from the task queue, never inside a request that
    happened to read the board.
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
    if not remind:
        _enqueue_reminders(list(due.values_list("pk", flat=True)))
        due = due.none()
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


def _enqueue_reminders(review_ids: list[int]) -> None:
    if not review_ids:
        return
    from marblejar.reviews import tasks

    def enqueue() -> None:
        for pk in review_ids:
            tasks.review_advance.enqueue(review_id=pk)

    transaction.on_commit(enqueue, robust=True)


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
