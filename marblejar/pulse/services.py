"""Changes to pulses: schedule, answer, close, respond, publish.

Each function checks permissions, commits, and publishes what live clients
need to know. Views, the API, tasks and commands call these.

Transitions that depend on the clock (a pulse opening, closing, or
publishing itself when the lead has not responded in time) happen in
:func:`pulse_advance_due`, which every task and every pulse page calls. It is
idempotent, so a task that never ran only delays a transition until the next
page view or worker tick; results can never be buried.
"""

from __future__ import annotations

import json
import logging
import secrets
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, connection, transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from marblejar import permissions
from marblejar.lib import events
from marblejar.lib.clock import isolated
from marblejar.lib.dates import moment
from marblejar.lib.scrub import forget_after_commit
from marblejar.pulse import sealing, stats
from marblejar.pulse.instruments import InstrumentError, builtin_instruments, load_instrument
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
    keying_of,
)
from marblejar.realtime.models import Event
from marblejar.teams.models import Membership, Team

MISSING = "."
logger = logging.getLogger(__name__)
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


def pulse_settings_for(organization_id: int) -> PulseSettings:
    """The organization's thresholds; the defaults when it never changed them."""
    found = PulseSettings.objects.filter(organization_id=organization_id).first()
    return found or PulseSettings(organization_id=organization_id)


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


def builtin_definition(slug: str) -> dict[str, Any]:
    instrument = load_instrument(slug)
    return {
        "slug": instrument.slug,
        "name": instrument.name,
        "description": instrument.description,
        "reference": instrument.reference,
        "scale": {
            "min": instrument.scale.min,
            "max": instrument.scale.max,
            "labels": list(instrument.scale.labels),
        },
        "items": [{"key": i.key, "text": i.text, "reverse": i.reverse} for i in instrument.items],
        "comment": True,
    }


def custom_definition(instrument: Instrument) -> dict[str, Any]:
    points = instrument.scale_points
    labels = [str(n) for n in range(1, points + 1)]
    labels[0] = f"1 — {instrument.low_label}"
    labels[-1] = f"{points} — {instrument.high_label}"
    return {
        "slug": instrument.slug,
        "name": instrument.name,
        "description": instrument.description,
        "reference": "",
        "scale": {"min": 1, "max": points, "labels": labels},
        "items": [dict(item) for item in instrument.items],
        "comment": instrument.allow_comment,
    }


def instrument_choices(*, team: Team) -> list[tuple[str, str]]:
    """(slug, name) of every instrument a pulse of ``team`` can use."""
    choices = [(slug, i.name) for slug, i in builtin_instruments().items()]
    for custom in Instrument.objects.filter(team=team, organization_id=team.organization_id):
        choices.append((custom.slug, custom.name))
    return choices


def instrument_definition(*, team: Team, slug: str) -> dict[str, Any]:
    if slug.startswith("custom-"):
        try:
            pk = int(slug.removeprefix("custom-"))
        except ValueError:
            pk = 0
        custom = Instrument.objects.filter(
            pk=pk, team=team, organization_id=team.organization_id
        ).first()
        if custom is None:
            raise ValidationError({"instrument": _("Choose one of the instruments listed.")})
        return custom_definition(custom)
    try:
        return builtin_definition(slug)
    except InstrumentError:
        raise ValidationError({"instrument": _("Choose one of the instruments listed.")}) from None


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


def _encode_values(pulse: Pulse, values: Mapping[str, Any]) -> str:
    low, high = pulse.scale
    errors: dict[str, str] = {}
    chars = []
    for item in pulse.items:
        raw = values.get(item["key"])
        if raw in (None, ""):
            errors[item["key"]] = _("Choose an answer.")
            continue
        try:
            value = int(raw)
        except (TypeError, ValueError):
            value = None
        if value is None or not low <= value <= high:
            errors[item["key"]] = _("Choose one of the answers from %(low)d to %(high)d.") % {
                "low": low,
                "high": high,
            }
            continue
        chars.append(str(value))
    unknown = set(values) - {item["key"] for item in pulse.items}
    if unknown:
        errors["answers"] = _("These questions are not in this pulse: %s.") % ", ".join(
            sorted(unknown)
        )
    if errors:
        raise ValidationError(errors)
    return "".join(chars)


def pulse_has_answered(*, user: Any, pulse: Pulse) -> bool:
    return Participation.objects.filter(pulse=pulse, user=user).exists()


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
    encoded = _encode_values(pulse, values)
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


def _nan_to_none(value: float) -> float | None:
    return None if value is None or np.isnan(value) else float(value)


@transaction.atomic
def pulse_close(*, pulse: Pulse, actor: Any = None, now: datetime | None = None) -> Pulse:
    """Close a pulse: unseal its ballot into shuffled anonymous rows and compute results.

    With an ``actor`` (a lead closing early) permissions are checked; the
    clock (``pulse_advance_due``) closes without one. Idempotent.
    """
    if actor is not None:
        permissions.require(actor, "pulse.manage", pulse)
    now = now or timezone.now()
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
    scores = (
        np.nanmean(_keyed_matrix(answers, pulse.definition), axis=1) if answers else np.array([])
    )
    Answer.objects.bulk_create(
        Answer(
            organization_id=pulse.organization_id,
            team_id=pulse.team_id,
            pulse=pulse,
            values=values,
            score=_nan_to_none(score),
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
    results_compute(pulse_ids=[pulse.pk])
    # Older versions of the ballot and of the participation rows stay in the
    # database files until a checkpoint (SQLite) or VACUUM (PostgreSQL).
    forget_after_commit(
        tables=[Participation._meta.db_table, Event._meta.db_table],
        rewrite=[Ballot._meta.db_table],
    )
    if pulse.cadence != Cadence.ONCE:
        _schedule_next(pulse)
    _notify_leads_results_ready(pulse)
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


def _send(subject: str, body: str, recipients: list[str]) -> None:
    # A failing mail server must not undo or stop a pulse transition.
    try:
        send_mail(subject, body, None, recipients)
    except Exception:
        logger.exception("Could not send pulse e-mail %r", subject)


def _leads(team_id: int) -> list[Any]:
    return [
        m.user
        for m in Membership.objects.filter(team_id=team_id, role="lead").select_related("user")
    ]


def _results_url(pulse: Pulse) -> str:
    return settings.SITE_URL + reverse("pulse:results", args=[pulse.team.slug, pulse.pk])


def _notify_leads_results_ready(pulse: Pulse) -> None:
    leads = [u.email for u in _leads(pulse.team_id) if u.email]
    if not leads:
        return
    subject = _("Pulse results are ready for you to respond: %s") % pulse.title
    body = _(
        "The pulse “%(title)s” of %(team)s has closed; %(n)d people answered.\n\n"
        "You see the results first. Write what you hear and what you will do, then "
        "publish results and response to the team together. If you have not by "
        "%(due)s, the results publish on their own.\n\n%(url)s\n"
    ) % {
        "title": pulse.title,
        "team": pulse.team.name,
        "n": pulse.participant_count,
        "due": moment(pulse.response_due_at),
        "url": _results_url(pulse),
    }
    transaction.on_commit(lambda: _send(subject, body, leads))


def results_compute(
    *, pulse_ids: Iterable[int] | None = None, organization_id: int | None = None
) -> list[ResultBatch]:
    """Compute and store the results of closed pulses.

    All answers are read with one grouped query and summarised with the
    vectorised statistics core, one pass per scale and keying, so
    recomputing a whole organization costs about what the database's own
    GROUP BY does (see bench/pulse_org.py). Closed pulses nobody answered
    get a result with n = 0.
    """
    ids = list(pulse_ids) if pulse_ids is not None else None
    batches = results_summaries(pulse_ids=ids, organization_id=organization_id)
    results_store(batches)
    closed = Pulse.objects.filter(closed_at__isnull=False)
    if ids is not None:
        closed = closed.filter(pk__in=ids)
    if organization_id is not None:
        closed = closed.filter(organization_id=organization_id)
    unanswered = closed.exclude(pk__in=PulseResult.objects.values("pulse_id"))
    PulseResult.objects.bulk_create(
        [
            PulseResult(
                pulse_id=p.pk,
                organization_id=p.organization_id,
                team_id=p.team_id,
                instrument_slug=p.instrument_slug,
                closed_on=p.closed_at.date(),
                n=0,
                counted=0,
                min_group_size=p.min_group_size,
                k=len(p.items),
            )
            for p in unanswered
        ],
        ignore_conflicts=True,
    )
    return batches


@dataclass
class ResultBatch:
    """Statistics of many pulses of one scale and keying, aligned by position."""

    pulse_ids: list[int]
    stats: stats.BatchStats
    scale: tuple[int, int]


def _keying_parts(keying: str) -> tuple[tuple[int, int], np.ndarray]:
    scale, flags = keying.split(":")
    low, high = scale.split("-")
    return (int(low), int(high)), np.array([f == "r" for f in flags])


def _decode(joined: list[str], k: int, scale: tuple[int, int], reverse: np.ndarray) -> np.ndarray:
    raw = np.frombuffer("".join(joined).encode("ascii"), dtype=np.uint8).reshape(-1, k)
    matrix = raw.astype(np.float64) - ord("0")
    matrix[raw == ord(MISSING)] = np.nan
    if reverse.any():
        matrix[:, reverse] = scale[0] + scale[1] - matrix[:, reverse]
    return matrix


def _keyed_matrix(rows: list[str], definition: Mapping[str, Any]) -> np.ndarray:
    """Decode answer strings into a keyed responses x items float array (NaN = missing)."""
    scale, reverse = _keying_parts(keying_of(dict(definition)))
    return _decode(rows, len(definition["items"]), scale, reverse)


def _fetch_answer_groups(
    *, pulse_ids: list[int] | None, organization_id: int | None
) -> list[tuple[int, int, str]]:
    """(pulse_id, n, concatenated answer strings) per pulse, in one grouped query.

    Written in SQL because the ORM's aggregate layer costs more than the
    statistics here; the two spellings are the same aggregate.
    """
    concat = (
        "group_concat(\"values\", '')"
        if connection.vendor == "sqlite"
        else "string_agg(\"values\", '')"
    )
    where, params = [], []
    if pulse_ids is not None:
        where.append("pulse_id IN ({})".format(", ".join(["%s"] * len(pulse_ids))))
        params += pulse_ids
    if organization_id is not None:
        where.append("organization_id = %s")
        params.append(organization_id)
    sql = (
        f"SELECT pulse_id, COUNT(*), {concat} FROM {Answer._meta.db_table}"  # noqa: S608
        + (" WHERE " + " AND ".join(where) if where else "")
        # A pulse belongs to one team, so grouping by pulse is grouping by team and pulse.
        + " GROUP BY pulse_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _keyings(pulse_ids: list[int] | None, organization_id: int | None) -> dict[int, str]:
    """The keying of every closed pulse in scope.

    Read as one row per distinct keying with its pulse ids, from an index
    that covers the query: a few rows instead of one per pulse.
    """
    concat = (
        "group_concat(id, ',')" if connection.vendor == "sqlite" else "string_agg(id::text, ',')"
    )
    where, params = ["closed_at IS NOT NULL"], []
    if pulse_ids is not None:
        where.append("id IN ({})".format(", ".join(["%s"] * len(pulse_ids))))
        params += pulse_ids
    if organization_id is not None:
        where.append("organization_id = %s")
        params.append(organization_id)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT keying, {concat} FROM {Pulse._meta.db_table} WHERE "  # noqa: S608
            + " AND ".join(where)
            + " GROUP BY keying",
            params,
        )
        found = cursor.fetchall()
    keying: dict[int, str] = {}
    for key, ids in found:
        keying.update(dict.fromkeys(map(int, ids.split(",")), key))
    return keying


def results_summaries(
    *, pulse_ids: Iterable[int] | None = None, organization_id: int | None = None
) -> list[ResultBatch]:
    """The statistics of closed pulses, computed but not stored (the benchmark times this)."""
    ids = list(pulse_ids) if pulse_ids is not None else None
    keying = _keyings(ids, organization_id)
    by_keying: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
    for row in _fetch_answer_groups(pulse_ids=ids, organization_id=organization_id):
        if row[0] in keying:
            by_keying[keying[row[0]]].append(row)
    batches = []
    for key, rows in by_keying.items():
        scale, reverse = _keying_parts(key)
        counts = np.fromiter((r[1] for r in rows), dtype=np.int64, count=len(rows))
        keyed = _decode([r[2] for r in rows], reverse.size, scale, reverse)
        groups = np.repeat(np.arange(len(rows)), counts)
        batch = stats.batch_group_stats(keyed, groups, scale=scale)
        pulse_of_row = [r[0] for r in rows]
        batches.append(ResultBatch([pulse_of_row[g] for g in batch.group.tolist()], batch, scale))
    return batches


def _pulse_facts(pulse_ids: list[int]) -> dict[int, tuple[int, int, str, str, int | None, int]]:
    """organization, team, instrument, closing date (ISO), counted respondents and
    minimum group size of each pulse, in chunks."""
    facts = {}
    table = Pulse._meta.db_table
    with connection.cursor() as cursor:
        for start in range(0, len(pulse_ids), 5000):
            chunk = pulse_ids[start : start + 5000]
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(
                "SELECT id, organization_id, team_id, instrument_slug, closed_at, "  # noqa: S608
                f"counted, min_group_size FROM {table} WHERE id IN ({marks})",
                chunk,
            )
            for pk, org_id, team_id, slug, closed_at, counted, k in cursor.fetchall():
                # SQLite hands back text, PostgreSQL an aware datetime; both are UTC.
                day = closed_at[:10] if isinstance(closed_at, str) else closed_at.date().isoformat()
                facts[pk] = (org_id, team_id, slug, day, counted, k)
    return facts


def results_store(batches: list[ResultBatch]) -> int:
    """Insert or update the results of ``batches``; returns how many rows were written.

    Plain ``executemany`` rather than the ORM: a whole organization is
    hundreds of thousands of rows, and building model instances would cost
    more than the statistics.
    """

    def column(values: np.ndarray) -> list[float | None]:
        return [None if v != v else v for v in values.tolist()]  # NaN -> NULL

    facts = _pulse_facts([pk for batch in batches for pk in batch.pulse_ids])
    rows: list[tuple] = []
    for batch in batches:
        b = batch.stats
        columns = [
            column(c)
            for c in (
                b.mean,
                b.percent,
                b.sd,
                b.ci_low,
                b.ci_high,
                b.alpha,
                b.alpha_ci_low,
                b.alpha_ci_high,
                b.rwg_j,
            )
        ]
        item_means = [
            json.dumps([None if v != v else v for v in row]) for row in b.item_means.tolist()
        ]
        if b.distribution is not None:
            distribution = [json.dumps(row) for row in b.distribution.tolist()]
        else:
            distribution = ["[]"] * len(b)
        k = int(b.item_means.shape[1])
        n = b.n.tolist()
        for index, pulse_id in enumerate(batch.pulse_ids):
            org_id, team_id, slug, day, counted, min_group_size = facts[pulse_id]
            rows.append(
                (
                    pulse_id,
                    org_id,
                    team_id,
                    slug,
                    day,
                    n[index],
                    # Pulses closed before "who counts" was recorded count everyone.
                    n[index] if counted is None else counted,
                    min_group_size,
                    k,
                    *(c[index] for c in columns),
                    item_means[index],
                    distribution[index],
                )
            )
    if not rows:
        return 0
    table = PulseResult._meta.db_table
    sql = (
        f"INSERT INTO {table} (pulse_id, organization_id, team_id, instrument_slug, closed_on, "  # noqa: S608
        "n, counted, min_group_size, k, mean, percent, sd, ci_low, ci_high, alpha, "
        "alpha_ci_low, alpha_ci_high, rwg_j, item_means, distribution, comment_count, "
        "is_latest) VALUES ("
        + ", ".join(["%s"] * 20)
        + ", 0, FALSE) ON CONFLICT (pulse_id) DO UPDATE SET n = excluded.n, k = excluded.k, "
        "counted = excluded.counted, min_group_size = excluded.min_group_size, "
        "mean = excluded.mean, percent = excluded.percent, sd = excluded.sd, "
        "ci_low = excluded.ci_low, ci_high = excluded.ci_high, alpha = excluded.alpha, "
        "alpha_ci_low = excluded.alpha_ci_low, alpha_ci_high = excluded.alpha_ci_high, "
        "rwg_j = excluded.rwg_j, item_means = excluded.item_means, "
        "distribution = excluded.distribution, closed_on = excluded.closed_on"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(sql, rows)
        # Comment counts: one grouped update for the pulses just written.
        counts = _comment_counts([r[0] for r in rows])
        if counts:
            cursor.executemany(
                f"UPDATE {table} SET comment_count = %s WHERE pulse_id = %s",  # noqa: S608
                [(c, pk) for pk, c in counts.items()],
            )
    return len(rows)


def _comment_counts(pulse_ids: list[int]) -> dict[int, int]:
    counts: dict[int, int] = {}
    for start in range(0, len(pulse_ids), 5000):
        chunk = pulse_ids[start : start + 5000]
        counts.update(
            Comment.objects.filter(pulse_id__in=chunk)
            .values("pulse_id")
            .annotate(c=Count("pk"))
            .values_list("pulse_id", "c")
            .order_by()
        )
    return counts


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


def pulse_advance_due(
    *, now: datetime | None = None, team: Team | None = None, pulse_id: int | None = None
) -> dict[str, int]:
    """Make every transition that is due by ``now``; safe to call any number of times.

    Announces pulses that have opened, reminds people who have not answered
    when three quarters of the time has passed, closes pulses whose time is
    up, and publishes results the lead has not responded to within
    ``MARBLEJAR_PULSE_RESPONSE_DAYS``.
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
    """E-mail the team that a pulse is open (or remind those who have not answered), once."""
    updated = Pulse.objects.filter(pk=pulse_id, **{field: False}).update(**{field: True})
    if not updated:
        return False  # another process got there first
    pulse = Pulse.objects.select_for_update(of=("self",)).select_related("team").get(pk=pulse_id)
    _fix_promise(pulse)
    people = Membership.objects.filter(team_id=pulse.team_id).select_related("user")
    if field == "reminded":
        answered = Participation.objects.filter(pulse=pulse).values("user_id")
        people = people.exclude(user_id__in=answered)
    recipients = [m.user.email for m in people if m.user.is_active and m.user.email]
    url = settings.SITE_URL + reverse("pulse:answer", args=[pulse.team.slug, pulse.pk])
    closes = moment(pulse.closes_at)
    if field == "reminded":
        subject = _("Reminder: %s closes soon") % pulse.title
    else:
        subject = _("A pulse is open: %s") % pulse.title
        events.publish(
            organization_id=pulse.organization_id,
            stream=team_stream(pulse.team_id),
            kind="pulse_opened",
            payload={"pulse_id": pulse.pk, "title": pulse.title, "team_slug": pulse.team.slug},
        )
    body = _(
        "%(team)s is running the pulse “%(title)s” until %(closes)s. It takes a few "
        "minutes. Your answers are anonymous: nobody, your lead and administrators "
        "included, can see what you answered.\n\n%(url)s\n"
    ) % {"team": pulse.team.name, "title": pulse.title, "closes": closes, "url": url}

    def send() -> None:
        # One message per person, so nobody sees who else was (not) reminded.
        for address in recipients:
            _send(subject, body, [address])

    transaction.on_commit(send)
    return True
