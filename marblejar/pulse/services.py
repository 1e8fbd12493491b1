"""Changes to pulses: schedule, answer, close, respond, publish.

Each function checks permissions, commits, and publishes what live clients
need to know. Views, the API, tasks and commands call these. Reads are in
:mod:`.selectors`, the statistics of closed pulses in :mod:`.results`, and
e-mail is composed and sent from the task queue (:mod:`.notify`).

Transitions that depend on the clock (a pulse opening, closing, or
publishing itself when the lead has not responded in time) happen in
:func:`pulse_advance_due`, which the worker runs when each is due. It is
idempotent, so a task that never ran only delays a transition until the
next worker tick; and a page that finds a close or a publication overdue
(:func:`pulse_catch_up`, one indexed query) makes it then: results can never
be buried.
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from marblejar import permissions
from marblejar.lib import events
from marblejar.lib.clock import isolated
from marblejar.lib.scrub import forget_after_commit
from marblejar.pulse import notify, sealing, stats
from marblejar.pulse.locks import lock_stores
from marblejar.pulse.models import (
    COMMENT_MAX_LENGTH,
    Answer,
    Ballot,
    Cadence,
    Comment,
    Instrument,
    Participation,
    Pulse,
    PulseResult,
    PulseSettings,
)
from marblejar.pulse.selectors import instrument_definition, pulse_settings_for
from marblejar.realtime.models import Event
from marblejar.teams.models import Membership, Team

_random = secrets.SystemRandom()

CADENCE_STEP: dict[str, relativedelta] = {
    Cadence.WEEKLY: relativedelta(weeks=1),
    Cadence.FORTNIGHTLY: relativedelta(weeks=2),
    Cadence.MONTHLY: relativedelta(months=1),
    Cadence.QUARTERLY: relativedelta(months=3),
}


def team_stream(team_id: int) -> str:
    return f"team:{team_id}"


# Settings -------------------------------------------------------------------


@transaction.atomic
def pulse_settings_update(
    *, actor: Any, min_group_size: int, min_comment_group_size: int
) -> PulseSettings:
    permissions.require(actor, "pulse.settings", actor.organization)
    errors = {}
    for field, value in (
        ("min_group_size", min_group_size),
        ("min_comment_group_size", min_comment_group_size),
    ):
        if value < stats.MIN_GROUP_SIZE_FLOOR:
            errors[field] = _(
                "Never below %(floor)d: with fewer people, each one could work out "
                "the others' answers."
            ) % {"floor": stats.MIN_GROUP_SIZE_FLOOR}
        elif value > 50:
            errors[field] = _("Choose 50 or fewer.")
    if errors:
        raise ValidationError(errors)
    found, _created = PulseSettings.objects.update_or_create(
        organization_id=actor.organization_id,
        defaults={
            "min_group_size": min_group_size,
            "min_comment_group_size": min_comment_group_size,
        },
    )
    return found


# Instruments ----------------------------------------------------------------


@transaction.atomic
def instrument_create(
    *,
    actor: Any,
    team: Team,
    name: str,
    description: str = "",
    scale_points: int = 5,
    low_label: str = "",
    high_label: str = "",
    items: Iterable[Mapping[str, Any]],
    allow_comment: bool = True,
) -> Instrument:
    """A custom instrument for ``team``: Likert items on one scale from 1 to ``scale_points``."""
    permissions.require(actor, "pulse.create", team)
    errors: dict[str, str] = {}
    name = " ".join(name.split())
    if not name:
        errors["name"] = _("Give the instrument a name.")
    if not 3 <= scale_points <= 9:
        errors["scale_points"] = _("Choose between 3 and 9 answer options.")
    clean_items = []
    for item in items:
        text = " ".join(str(item.get("text", "")).split())
        if text:
            clean_items.append(
                {
                    "key": f"q{len(clean_items) + 1}",
                    "text": text,
                    "reverse": bool(item.get("reverse")),
                }
            )
    if not clean_items:
        errors["items"] = _("Write at least one question.")
    elif len(clean_items) > 30:
        errors["items"] = _("Keep it to 30 questions or fewer.")
    if any(len(i["text"]) > 300 for i in clean_items):
        errors["items"] = _("Keep each question to 300 characters or fewer.")
    if errors:
        raise ValidationError(errors)
    return Instrument.objects.create(
        organization_id=team.organization_id,
        team=team,
        name=name,
        description=description.strip(),
        scale_points=scale_points,
        low_label=low_label.strip() or _("Strongly disagree"),
        high_label=high_label.strip() or _("Strongly agree"),
        items=clean_items,
        allow_comment=allow_comment,
        created_by=actor,
    )


# Scheduling -----------------------------------------------------------------


@transaction.atomic
def pulse_schedule(
    *,
    actor: Any,
    team: Team,
    instrument: str,
    opens_at: datetime,
    closes_at: datetime,
    cadence: str = Cadence.ONCE,
    min_group_size: int | None = None,
    min_comment_group_size: int | None = None,
    now: datetime | None = None,
) -> Pulse:
    """Schedule a pulse for ``team``; a recurring one schedules its next run when it closes.

    The minimum group sizes default to the organization's and cannot go below them.
    """
    permissions.require(actor, "pulse.create", team)
    now = now or timezone.now()
    org_settings = pulse_settings_for(team.organization_id)
    k = min_group_size or org_settings.min_group_size
    k_comments = min_comment_group_size or org_settings.min_comment_group_size
    errors: dict[str, str] = {}
    if closes_at <= opens_at:
        errors["closes_at"] = _("The pulse must close after it opens.")
    elif closes_at <= now:
        errors["closes_at"] = _("Choose a closing time in the future.")
    if cadence not in Cadence.values:
        errors["cadence"] = _("Choose how often the pulse repeats.")
    elif cadence != Cadence.ONCE and opens_at + CADENCE_STEP[cadence] < closes_at:
        errors["closes_at"] = _("A repeating pulse must close before the next one opens.")
    if k < org_settings.min_group_size:
        errors["min_group_size"] = (
            _("Your organization shows nothing for fewer than %d people; choose that or more.")
            % org_settings.min_group_size
        )
    if k_comments < org_settings.min_comment_group_size:
        errors["min_comment_group_size"] = (
            _("Your organization shows comments only from %d people; choose that or more.")
            % org_settings.min_comment_group_size
        )
    definition = instrument_definition(team=team, slug=instrument)
    if errors:
        raise ValidationError(errors)
    pulse = Pulse.objects.create(
        organization_id=team.organization_id,
        team=team,
        instrument_slug=instrument,
        definition=definition,
        title=definition["name"],
        cadence=cadence,
        opens_at=opens_at,
        closes_at=closes_at,
        min_group_size=k,
        min_comment_group_size=k_comments,
        created_by=actor,
    )
    if opens_at <= now:
        _fix_promise(pulse)
    _enqueue_transitions(pulse)
    return pulse


def _fix_promise(pulse: Pulse) -> None:
    """Fix what the pulse promises, at the moment it opens; the caller holds its row lock.

    Who counts towards the minimum group size (the team as it is now), and
    the minimum group sizes themselves: never below the organization's as it
    is now, and never lowered afterwards by a change of the setting.
    """
    if pulse.has_opened:
        return
    org = pulse_settings_for(pulse.organization_id)
    pulse.members_at_open = sorted(
        Membership.objects.filter(team_id=pulse.team_id).values_list("user_id", flat=True)
    )
    pulse.min_group_size = max(pulse.min_group_size, org.min_group_size)
    pulse.min_comment_group_size = max(pulse.min_comment_group_size, org.min_comment_group_size)
    pulse.save(update_fields=["members_at_open", "min_group_size", "min_comment_group_size"])


def _enqueue_transitions(pulse: Pulse) -> None:
    """Ask the worker to advance this pulse at each moment something is due.

    A backstop only: every pulse page catches up too (see pulse_advance_due).
    """
    from marblejar.pulse import tasks

    halfway = pulse.opens_at + (pulse.closes_at - pulse.opens_at) * 3 / 4
    due = [
        pulse.opens_at,
        halfway,
        pulse.closes_at,
        pulse.closes_at + timedelta(days=settings.PULSE_RESPONSE_DAYS),
    ]

    def enqueue() -> None:
        for when in due:
            tasks.pulse_advance.using(run_after=when).enqueue(pulse_id=pulse.pk)

    transaction.on_commit(enqueue, robust=True)


# Answering ------------------------------------------------------------------


@transaction.atomic
def pulse_answer(
    *,
    actor: Any,
    pulse: Pulse,
    values: Mapping[str, Any],
    comment: str = "",
    now: datetime | None = None,
) -> int:
    """Record ``actor``'s answers to an open pulse; returns the participation count.

    Who answered goes to Participation; what they answered goes, sealed and
    shuffled, into the pulse's ballot. Nothing links the two.
    """
    permissions.require(actor, "pulse.answer", pulse)
    now = now or timezone.now()
    pulse = Pulse.objects.select_for_update().get(pk=pulse.pk)
    if not pulse.is_open(now):
        if pulse.closed_at is not None or now >= pulse.closes_at:
            raise ValidationError(_("This pulse is closed; answers are no longer taken."))
        raise ValidationError(_("This pulse is not open yet."))
    _fix_promise(pulse)
    from marblejar.pulse import results  # NumPy: loaded on first use, not at start

    encoded = results.encode_answers(pulse, values)
    comment = comment.strip() if pulse.asks_comment else ""
    if len(comment) > COMMENT_MAX_LENGTH:
        raise ValidationError(
            {"comment": _("Keep the comment to %d characters or fewer.") % COMMENT_MAX_LENGTH}
        )
    try:
        with transaction.atomic():
            Participation.objects.create(
                organization_id=pulse.organization_id, pulse=pulse, user=actor
            )
    except IntegrityError:
        raise ValidationError(_("You have already answered this pulse.")) from None
    ballot, _created = Ballot.objects.get_or_create(
        pulse=pulse, defaults={"organization_id": pulse.organization_id}
    )
    records = sealing.unseal(ballot.sealed)
    records.append((encoded, comment))
    _random.shuffle(records)
    ballot.sealed = sealing.seal(records)
    ballot.save(update_fields=["sealed"])
    pulse.participant_count = len(records)
    pulse.save(update_fields=["participant_count"])
    events.publish(
        organization_id=pulse.organization_id,
        stream=team_stream(pulse.team_id),
        kind="pulse_participation",
        payload={"pulse_id": pulse.pk, "count": pulse.participant_count},
    )
    return pulse.participant_count


# Closing and results --------------------------------------------------------


@transaction.atomic
def pulse_close(*, pulse: Pulse, actor: Any = None, now: datetime | None = None) -> Pulse:
    """Close a pulse: unseal its ballot into shuffled anonymous rows and compute results.

    With an ``actor`` (a lead closing early) permissions are checked; the
    clock (``pulse_advance_due``) closes without one. Idempotent.
    """
    if actor is not None:
        permissions.require(actor, "pulse.manage", pulse)
    now = now or timezone.now()
    # Before the pulse's row: a deletion of pulses takes the store lock, then
    # the rows; taking them in the other order here could deadlock with it.
    lock_stores()
    pulse = Pulse.objects.select_for_update().get(pk=pulse.pk)
    if pulse.closed_at is not None:
        return pulse
    if now < pulse.opens_at:
        if actor is not None:
            raise ValidationError(_("This pulse has not opened yet."))
        return pulse
    _fix_promise(pulse)
    ballot = Ballot.objects.filter(pulse=pulse).first()
    records = sealing.unseal(ballot.sealed) if ballot else []
    answers = [values for values, _comment in records]
    comments = [comment for _values, comment in records if comment]
    # Two independent shuffles: the n-th answer and the n-th comment are unrelated.
    _random.shuffle(answers)
    _random.shuffle(comments)
    from marblejar.pulse import results  # NumPy: loaded on first use, not at start

    scores = results.respondent_scores(answers, pulse.definition)
    Answer.objects.bulk_create(
        Answer(
            organization_id=pulse.organization_id,
            team_id=pulse.team_id,
            pulse=pulse,
            values=values,
            score=None if math.isnan(score) else score,
        )
        for values, score in zip(answers, scores, strict=True)
    )
    Comment.objects.bulk_create(
        Comment(
            organization_id=pulse.organization_id, team_id=pulse.team_id, pulse=pulse, text=text
        )
        for text in comments
    )
    if ballot is not None:
        ballot.delete()
    counted, joined = _forget_order_of_participation(pulse)
    # A pulse closed early gets the moment the lead closed it; otherwise its
    # scheduled closing time. Either is the pulse's, not any answer's.
    pulse.closed_at = min(now, pulse.closes_at)
    pulse.participant_count = len(answers)
    pulse.counted = counted
    pulse.joined_while_open = joined
    pulse.save(update_fields=["closed_at", "participant_count", "counted", "joined_while_open"])
    from marblejar.pulse import results  # NumPy: loaded on first use, not at start

    results.results_compute(pulse_ids=[pulse.pk])
    # Older versions of the ballot and of the participation rows stay in the
    # database files until a checkpoint (SQLite) or VACUUM (PostgreSQL).
    forget_after_commit(
        tables=[Participation._meta.db_table, Event._meta.db_table],
        rewrite=[Ballot._meta.db_table],
    )
    if pulse.cadence != Cadence.ONCE:
        _schedule_next(pulse)
    notify.queue(pulse, notify.RESULTS_READY)
    return pulse


def _forget_order_of_participation(pulse: Pulse) -> tuple[int, int]:
    """Write who took part anew in a random order, and drop the live counts' times.

    Returns how many of those who answered were in the team when the pulse
    opened, and how many joined while it was open. Participation rows were
    written in the order people answered (SQLite's rowid, PostgreSQL's ctid
    and transaction ids follow it), and every answer stored a live event
    with its time: after the close neither says who answered when.
    """
    who = list(Participation.objects.filter(pulse=pulse).values_list("user_id", flat=True))
    _random.shuffle(who)
    Participation.objects.filter(pulse=pulse).delete()
    Participation.objects.bulk_create(
        Participation(organization_id=pulse.organization_id, pulse=pulse, user_id=user_id)
        for user_id in who
    )
    Event.objects.filter(
        stream=team_stream(pulse.team_id), kind="pulse_participation", payload__pulse_id=pulse.pk
    ).delete()
    roster = set(pulse.members_at_open or ())
    joined = Membership.objects.filter(team_id=pulse.team_id).exclude(user_id__in=roster).count()
    return sum(1 for user_id in who if user_id in roster), joined


def _schedule_next(pulse: Pulse) -> None:
    step = CADENCE_STEP[pulse.cadence]
    exists = Pulse.objects.filter(series=pulse.series, sequence=pulse.sequence + 1).exists()
    if exists:
        return
    following = Pulse.objects.create(
        organization_id=pulse.organization_id,
        team_id=pulse.team_id,
        instrument_slug=pulse.instrument_slug,
        definition=pulse.definition,
        title=pulse.title,
        cadence=pulse.cadence,
        series=pulse.series,
        sequence=pulse.sequence + 1,
        opens_at=pulse.opens_at + step,
        closes_at=pulse.closes_at + step,
        min_group_size=pulse.min_group_size,
        min_comment_group_size=pulse.min_comment_group_size,
        created_by=pulse.created_by,
    )
    _enqueue_transitions(following)


# Responding and publishing --------------------------------------------------


@transaction.atomic
def pulse_respond(
    *, actor: Any, pulse: Pulse, heard: str, plan: str, now: datetime | None = None
) -> Pulse:
    """The lead writes what they hear and what they will do, and publishes both with the results."""
    permissions.require(actor, "pulse.manage", pulse)
    pulse = Pulse.objects.select_for_update().get(pk=pulse.pk)
    if pulse.closed_at is None:
        raise ValidationError(_("The pulse is still open; respond when it has closed."))
    if pulse.published_at is not None:
        raise ValidationError(_("The results are already published."))
    errors = {}
    if not heard.strip():
        errors["heard"] = _("Write what you hear in these results.")
    if not plan.strip():
        errors["plan"] = _("Write what you will do about them.")
    if errors:
        raise ValidationError(errors)
    pulse.response_heard = heard.strip()
    pulse.response_plan = plan.strip()
    pulse.save(update_fields=["response_heard", "response_plan"])
    return _publish(pulse, now=now or timezone.now(), without_response=False)


def _publish(pulse: Pulse, *, now: datetime, without_response: bool) -> Pulse:
    pulse.published_at = now
    pulse.published_without_response = without_response
    pulse.save(update_fields=["published_at", "published_without_response"])
    # The newest published result of this team and instrument is the one the
    # organization overview shows.
    PulseResult.objects.filter(
        team_id=pulse.team_id, instrument_slug=pulse.instrument_slug, is_latest=True
    ).update(is_latest=False)
    newest = (
        PulseResult.objects.filter(
            team_id=pulse.team_id,
            instrument_slug=pulse.instrument_slug,
            pulse__published_at__isnull=False,
        )
        .order_by("-closed_on", "-pulse_id")
        .first()
    )
    if newest is not None:
        PulseResult.objects.filter(pk=newest.pk).update(is_latest=True)
    notify.queue(pulse, notify.PUBLISHED)
    events.publish(
        organization_id=pulse.organization_id,
        stream=team_stream(pulse.team_id),
        kind="pulse_published",
        payload={
            "pulse_id": pulse.pk,
            "title": pulse.title,
            "team_slug": pulse.team.slug,
            "without_response": without_response,
        },
    )
    return pulse


# The clock ------------------------------------------------------------------


def pulse_catch_up(*, team: Team, now: datetime | None = None) -> bool:
    """Close or publish what is overdue in ``team`` before a page shows it.

    The worker makes every transition on time; this only covers a worker
    that is late or stopped, so that a page never shows a pulse open after
    its closing time or results buried past their response period. It costs
    one indexed query when nothing is overdue, which is nearly always.
    Announcements and reminders are left to the worker: they only send
    e-mail, and a read never does.
    """
    now = now or timezone.now()
    # Read with the team (team_get(due=True)): no query when nothing is due.
    known = getattr(team, "pulses_due", None)
    if known is False or (known is None and not pulses_overdue(team, now).exists()):
        return False
    pulse_advance_due(now=now, team=team, announce=False)
    return True


def pulses_overdue(team: Any, now: datetime) -> QuerySet[Pulse]:
    """The pulses of ``team`` (a team or an OuterRef to one) that the clock has made due."""
    response_due = now - timedelta(days=settings.PULSE_RESPONSE_DAYS)
    return Pulse.objects.filter(team=team, published_at__isnull=True).filter(
        Q(closed_at__isnull=True, closes_at__lte=now) | Q(closed_at__lte=response_due)
    )


def pulse_advance_due(
    *,
    now: datetime | None = None,
    team: Team | None = None,
    pulse_id: int | None = None,
    announce: bool = True,
) -> dict[str, int]:
    """Make every transition that is due by ``now``; safe to call any number of times.

    Closes pulses whose time is up, publishes results the lead has not
    responded to within ``MARBLEJAR_PULSE_RESPONSE_DAYS``, and (unless
    ``announce`` is false) announces pulses that have opened and reminds
    people who have not answered when three quarters of the time has passed.
    """
    now = now or timezone.now()
    pulses = Pulse.objects.filter(published_at__isnull=True)
    if team is not None:
        pulses = pulses.filter(team=team)
    if pulse_id is not None:
        pulses = pulses.filter(pk=pulse_id)
    done = {"opened": 0, "reminded": 0, "closed": 0, "published": 0, "failed": 0}

    def attempt(what: str, pulse: Pulse, step: Callable[[], bool]) -> None:
        outcome = isolated(step, what=f"move on ({what})", item=f"pulse {pulse.pk}")
        if outcome is None:
            done["failed"] += 1
        elif outcome:
            done[what] += 1

    for pulse in pulses.filter(closed_at__isnull=True, closes_at__lte=now).select_related("team"):
        attempt("closed", pulse, lambda p=pulse: bool(pulse_close(pulse=p, now=now)))
    due = now - timedelta(days=settings.PULSE_RESPONSE_DAYS)
    for pulse in pulses.filter(closed_at__isnull=False, closed_at__lte=due).select_related("team"):
        attempt("published", pulse, lambda p=pulse: _publish_overdue(p.pk, now=now))
    if not announce:
        return done
    open_now = pulses.filter(closed_at__isnull=True, opens_at__lte=now, closes_at__gt=now)
    for pulse in open_now.filter(open_notified=False).select_related("team"):
        attempt("opened", pulse, lambda p=pulse: _announce(p.pk, field="open_notified"))
    for pulse in open_now.filter(reminded=False).select_related("team"):
        if now >= pulse.opens_at + (pulse.closes_at - pulse.opens_at) * 3 / 4:
            attempt("reminded", pulse, lambda p=pulse: _announce(p.pk, field="reminded"))
    return done


@transaction.atomic
def _publish_overdue(pulse_id: int, *, now: datetime) -> bool:
    pulse = Pulse.objects.select_for_update().select_related("team").get(pk=pulse_id)
    if pulse.published_at is not None or pulse.response_due_at is None:
        return False
    if now < pulse.response_due_at:
        return False
    _publish(pulse, now=now, without_response=True)
    return True


@transaction.atomic
def _announce(pulse_id: int, *, field: str) -> bool:
    """Tell the team that a pulse is open (or remind those who have not answered), once.

    The e-mail goes out from the task queue after the commit.
    """
    updated = Pulse.objects.filter(pk=pulse_id, **{field: False}).update(**{field: True})
    if not updated:
        return False  # another process got there first
    pulse = Pulse.objects.select_for_update(of=("self",)).select_related("team").get(pk=pulse_id)
    _fix_promise(pulse)
    if field == "open_notified":
        events.publish(
            organization_id=pulse.organization_id,
            stream=team_stream(pulse.team_id),
            kind="pulse_opened",
            payload={"pulse_id": pulse.pk, "title": pulse.title, "team_slug": pulse.team.slug},
        )
    notify.queue(pulse, notify.OPENED if field == "open_notified" else notify.REMINDER)
    return True
