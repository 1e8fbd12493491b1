"""Reads for pulses, scoped to a team or organization; results come from stored aggregates.

A pulse's numbers are shown only when its result is shown
(:attr:`PulseResult.is_shown`: the people who were in the team when it
opened reached its own minimum), on every page that reads them here. The
organization overview is in :mod:`.overview`.
"""

from __future__ import annotations

import functools
import secrets
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from marblejar import permissions
from marblejar.lib.dates import day
from marblejar.lib.prepared import PreparedRead
from marblejar.pulse import explain, stats
from marblejar.pulse.instruments import Instrument as BuiltinInstrument
from marblejar.pulse.instruments import InstrumentError, builtin_instruments
from marblejar.pulse.models import (
    RESULT_SHOWN,
    Comment,
    Instrument,
    Participation,
    Pulse,
    PulseResult,
    PulseSettings,
)
from marblejar.pulse.wording import participation_sentence
from marblejar.teams.models import Membership, Team

# Settings and instruments ---------------------------------------------------------


def pulse_settings_for(organization_id: int) -> PulseSettings:
    """The organization's thresholds; the defaults when it never changed them."""
    found = PulseSettings.objects.filter(organization_id=organization_id).first()
    return found or PulseSettings(organization_id=organization_id)


@functools.cache
def _builtin_instruments() -> dict[str, BuiltinInstrument]:
    # The files ship with the code: read them once per process.
    return builtin_instruments()


def builtin_definition(slug: str) -> dict[str, Any]:
    """A built-in instrument as a pulse keeps it (see :attr:`Pulse.definition`)."""
    instrument = _builtin_instruments().get(slug)
    if instrument is None:
        raise InstrumentError(f"no built-in instrument {slug!r}")
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
        "items": [
            {"key": i.key, "text": i.text, "facet": i.facet, "reverse": i.reverse}
            for i in instrument.items
        ],
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
    choices = [(slug, i.name) for slug, i in _builtin_instruments().items()]
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


def instrument_list_for_team(*, team: Team) -> QuerySet[Instrument]:
    return Instrument.objects.filter(team=team, organization_id=team.organization_id)


def facet_of(pulse: Pulse, item: dict[str, Any]) -> str:
    """The facet a statement measures: kept with the pulse, or (for pulses scheduled
    before facets were kept) read from the built-in instrument; custom ones may have none."""
    if item.get("facet"):
        return str(item["facet"])
    instrument = _builtin_instruments().get(pulse.instrument_slug)
    if instrument is None:
        return ""
    return next((i.facet for i in instrument.items if i.key == item.get("key")), "")


# Pulses ----------------------------------------------------------------------------


def pulse_list_for_team(*, team: Team) -> QuerySet[Pulse]:
    return Pulse.objects.filter(team=team, organization_id=team.organization_id).order_by(
        "-opens_at", "-pk"
    )


def pulse_get(*, user: Any, team: Team, pulse_id: int, action: str = "pulse.view") -> Pulse:
    """The pulse of ``team``; Http404 when it is not there, PermissionDenied when not allowed."""
    pulse = (
        Pulse.objects.filter(pk=pulse_id, team=team, organization_id=user.organization_id)
        .select_related("team")
        .first()
    )
    if pulse is None:
        raise Http404
    permissions.require(user, action, pulse if action != "pulse.view" else team)
    return pulse


def pulse_has_answered(*, user: Any, pulse: Pulse) -> bool:
    return Participation.objects.filter(pulse=pulse, user=user).exists()


def pulse_list_answered(*, team: Team, user: Any) -> QuerySet[Pulse]:
    """The team's pulses, newest first, each with ``answered``: has ``user`` answered it."""
    answered = Participation.objects.filter(pulse=OuterRef("pk"), user=user)
    return pulse_list_for_team(team=team).annotate(answered=Exists(answered))


def _pulses_answered(organization_id: int, team_id: int, user_id: int) -> QuerySet[Pulse]:
    answered = Participation.objects.filter(pulse=OuterRef("pk"), user_id=user_id)
    return (
        Pulse.objects.filter(team_id=team_id, organization_id=organization_id)
        .order_by("-opens_at", "-pk")
        .annotate(answered=Exists(answered))
        .defer("definition")
    )


# The pulse list reads it in every visit: compiled once per connection.
_PULSES_ANSWERED = PreparedRead(
    "pulse_list_answered", _pulses_answered, organization_id=-1001, team_id=-2001, user_id=-3001
)


def pulse_rows_answered(*, team: Team, user: Any) -> list[Pulse]:
    """:func:`pulse_list_answered` without each pulse's statements (``definition`` deferred)."""
    pulses = _PULSES_ANSWERED.all(
        organization_id=team.organization_id, team_id=team.pk, user_id=user.pk
    )
    for pulse in pulses:
        pulse.team = team  # already loaded: no query per pulse
    return pulses


def answered_pulse_ids(*, user: Any, pulses: list[Pulse]) -> set[int]:
    return set(
        Participation.objects.filter(user=user, pulse__in=pulses).values_list("pulse_id", flat=True)
    )


def team_size(*, team: Team) -> int:
    return Membership.objects.filter(team=team).count()


def schedule_warning(
    *, team: Team, members: int, min_group_size: int, organization_minimum: int, is_admin: bool
) -> str:
    """What a lead is told when scheduling for a team smaller than the minimum, and how
    to change it; empty when the team is large enough.

    Scheduling stays allowed: people may join before the pulse opens (who
    counts is fixed then).
    """
    if members >= min_group_size:
        return ""
    said = ngettext(
        "%(team)s has %(n)d person, fewer than the minimum of %(k)d people a pulse's "
        "results need, so this pulse's results would not be shown.",
        "%(team)s has %(n)d people, fewer than the minimum of %(k)d people a pulse's "
        "results need, so this pulse's results would not be shown.",
        members,
    ) % {"team": team.name, "n": members, "k": min_group_size}
    if min_group_size > organization_minimum:
        how = _(
            "To change it, choose a smaller minimum for this pulse (your organization's is "
            "%(k)d), or add people to the team before the pulse opens."
        ) % {"k": organization_minimum}
    elif is_admin:
        how = _(
            "To change it, add people to the team before the pulse opens, or lower the "
            "organization's minimum on Organization → Pulses across teams → Anonymity "
            "settings (never below 3)."
        )
    else:
        how = _(
            "To change it, add people to the team before the pulse opens, or ask an "
            "organization admin to lower the organization's minimum (Organization → Pulses "
            "across teams → Anonymity settings; never below 3)."
        )
    return f"{said} {how}"


def minimum_note(pulse: Pulse, *, members: int) -> str:
    """What the team is told when a pulse's results cannot be shown, or "" when they can.

    ``members`` is the team's size now; it counts only for a pulse that has
    not opened yet (who counts is fixed when a pulse opens).
    """
    k = pulse.min_group_size
    if pulse.closed_at is not None:
        if pulse.counted_respondents >= k:
            return ""
        return _(
            "Fewer people answered than this pulse's minimum of %(k)d; results will not be shown."
        ) % {"k": k}
    eligible = len(pulse.members_at_open) if pulse.has_opened else members
    if eligible >= k:
        return ""
    if not pulse.has_opened:
        return _(
            "Fewer people are in the team than this pulse's minimum of %(k)d; unless more join "
            "before it opens, results will not be shown."
        ) % {"k": k}
    return _(
        "Fewer people are in the team than this pulse's minimum of %(k)d; results will not "
        "be shown."
    ) % {"k": k}


# One pulse's results -------------------------------------------------------------


@dataclass
class ItemRow:
    """One statement: its facet, its wording as asked, and its bar in the score's direction."""

    key: str
    facet: str
    text: str
    reverse: bool
    # Keyed: for a reverse-worded statement, turned round so that, like the
    # score, a longer bar always means more of what the instrument measures.
    score: float | None
    percent: float | None
    # What people answered to the statement as worded (differs only when reversed).
    as_worded: float | None


@dataclass
class Headline:
    """What a lead reads first: the score, its change in words, participation."""

    mean: float
    percent: float | None
    low: int
    high: int
    participation: str
    score_range: str = ""
    change: str = ""
    # "up", "down" or "flat" (within its uncertainty), "" without an earlier pulse.
    direction: str = ""
    difference: float | None = None
    since: str = ""


@dataclass
class Results:
    pulse: Pulse
    n: int
    k: int
    shown: bool
    # Who the minimum rests on: respondents who were in the team when the pulse opened.
    counted: int = 0
    counting_sentences: list[str] = field(default_factory=list)
    participation: str = ""
    headline: Headline | None = None
    summary: stats.GroupSummary | None = None
    # One sentence per number, for "How these numbers are computed".
    sentences: list[str] = field(default_factory=list)
    agreement_sentences: list[str] = field(default_factory=list)
    reliability_sentences: list[str] = field(default_factory=list)
    alpha_shown: bool = False
    items: list[ItemRow] = field(default_factory=list)
    # The facets (or statements) with the highest and the lowest average.
    highest: ItemRow | None = None
    lowest: ItemRow | None = None
    distribution: list[tuple[str, int, float]] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)
    comments_note: str = ""
    trend_sentence: str = ""


def summary_of(result: PulseResult, scale: tuple[int, int] | None) -> stats.GroupSummary:
    return stats.GroupSummary(
        n=result.n,
        k=result.k,
        scale=scale,
        mean=result.mean,
        percent=result.percent,
        sd=result.sd,
        ci_low=result.ci_low,
        ci_high=result.ci_high,
        alpha=result.alpha,
        alpha_ci_low=result.alpha_ci_low,
        alpha_ci_high=result.alpha_ci_high,
        rwg_j=result.rwg_j,
        item_means=tuple(result.item_means),
        distribution=tuple(result.distribution) if result.distribution else None,
    )


def counting_sentences(*, pulse: Pulse, n: int, counted: int) -> list[str]:
    """Who the minimum group size counted, and a visible note when a close looks arranged."""
    k = pulse.min_group_size
    said = [
        ngettext(
            "Only people who were in the team when the pulse opened count towards the "
            "minimum of %(k)d: %(counted)d of them answered.",
            "Only people who were in the team when the pulse opened count towards the "
            "minimum of %(k)d: %(counted)d of them answered.",
            counted,
        )
        % {"k": k, "counted": counted}
    ]
    if n > counted:
        said.append(
            ngettext(
                "%(late)d person who joined later also answered; that answer is included "
                "but does not count towards the minimum.",
                "%(late)d people who joined later also answered; their answers are included "
                "but do not count towards the minimum.",
                n - counted,
            )
            % {"late": n - counted}
        )
    if pulse.closed_early and counted == k and pulse.joined_while_open:
        said.append(
            ngettext(
                "Note: the pulse was closed early, at exactly the minimum, after %(j)d "
                "person joined the team while it was open.",
                "Note: the pulse was closed early, at exactly the minimum, after %(j)d "
                "people joined the team while it was open.",
                pulse.joined_while_open,
            )
            % {"j": pulse.joined_while_open}
        )
    return said


def participation_of(pulse: Pulse, *, counted: int) -> str:
    """ "5 of 6 people answered (83%)": those who counted, of those who could.

    Who could is who was in the team when the pulse opened; the counting
    sentences say so, and about anyone who joined later.
    """
    if not pulse.has_opened or not pulse.members_at_open:
        return participation_sentence(counted, still_open=False)
    members = len(pulse.members_at_open)
    return ngettext(
        "%(answered)d of %(members)d person answered (%(percent)d%%).",
        "%(answered)d of %(members)d people answered (%(percent)d%%).",
        members,
    ) % {"answered": counted, "members": members, "percent": round(100 * counted / members)}


def _item_rows(pulse: Pulse, summary: stats.GroupSummary) -> list[ItemRow]:
    low, high = pulse.scale
    rows = []
    for item, keyed in zip(pulse.items, summary.item_means, strict=True):
        reverse = bool(item.get("reverse"))
        rows.append(
            ItemRow(
                key=item["key"],
                facet=facet_of(pulse, item),
                text=item["text"],
                reverse=reverse,
                score=keyed,
                percent=None if keyed is None else stats.to_percent(keyed, scale=(low, high)),
                # Item means are stored keyed; as worded, a reversed one reads the other way.
                as_worded=None if keyed is None else (low + high - keyed if reverse else keyed),
            )
        )
    return rows


def _previous_shown(pulse: Pulse, result: PulseResult) -> PulseResult | None:
    """The team's last published result of the same instrument that was shown, before this one."""
    return (
        PulseResult.objects.filter(
            RESULT_SHOWN,
            team_id=pulse.team_id,
            instrument_slug=pulse.instrument_slug,
            pulse__published_at__isnull=False,
            closed_on__lte=result.closed_on,
        )
        .exclude(pulse=pulse)
        .order_by("-closed_on", "-pulse_id")
        .first()
    )


def pulse_results(*, pulse: Pulse) -> Results:
    """What the results page shows: everything, or nothing below the minimum group size.

    The minimum counts only people who were in the team when the pulse
    opened, with the pulse's own minimum (see :attr:`PulseResult.is_shown`);
    every other page that shows pulse numbers applies the same rule.
    """
    result = PulseResult.objects.filter(pulse=pulse).first()
    n = result.n if result else 0
    counted = result.counted if result else 0
    k = pulse.min_group_size
    base = Results(
        pulse=pulse,
        n=n,
        k=k,
        shown=False,
        counted=counted,
        counting_sentences=counting_sentences(pulse=pulse, n=n, counted=counted) if result else [],
        participation=participation_of(pulse, counted=counted),
    )
    if result is None or not result.is_shown:
        base.sentences = [explain.sentence(stats.Explanation("suppressed", {"min_group_size": k}))]
        return base
    summary = summary_of(result, pulse.scale)
    low, high = pulse.scale
    assert summary.mean is not None  # a shown result has respondents
    headline = Headline(
        mean=summary.mean,
        percent=summary.percent,
        low=low,
        high=high,
        participation=base.participation,
        change=explain.sentence(stats.Explanation("change_first")),
        score_range=(
            explain.sentence(
                stats.Explanation(
                    "score_range", {"low": summary.ci_low, "high": summary.ci_high, "n": summary.n}
                )
            )
            if summary.ci_low is not None
            else ""
        ),
    )
    previous = _previous_shown(pulse, result)
    if previous is not None:
        change = stats.trend(summary_of(previous, pulse.scale), summary)
        since = day(previous.closed_on)
        headline.change = explain.sentence(change.in_words(since=since))
        headline.direction = change.direction
        headline.difference = change.difference
        headline.since = since
        base.trend_sentence = explain.sentence(change.explain())
    reliability = summary.reliability
    biggest = max(summary.distribution or [1]) or 1
    base.shown = True
    base.headline = headline
    base.summary = summary
    base.sentences = explain.sentences(summary.explain(min_group_size=k))
    base.agreement_sentences = explain.sentences(
        stats.agreement_in_words(summary.rwg_j, n=summary.n)
    )
    base.reliability_sentences = explain.sentences(reliability.explain_for_team())
    base.alpha_shown = reliability.alpha is not None and reliability.meaningful
    base.items = _item_rows(pulse, summary)
    scored = [item for item in base.items if item.score is not None]
    if len(scored) > 2:
        base.highest = max(scored, key=lambda item: item.score or 0.0)
        base.lowest = min(scored, key=lambda item: item.score or 0.0)
    base.distribution = [
        (label, count, count / biggest * 100)
        for label, count in zip(pulse.scale_labels, summary.distribution or [], strict=False)
    ]
    if counted >= pulse.min_comment_group_size:
        texts = list(Comment.objects.filter(pulse=pulse).values_list("text", flat=True))
        # Stored in random order already; shuffled again per view so that no
        # order, not even the key order, is ever shown twice.
        secrets.SystemRandom().shuffle(texts)
        base.comments = texts
    elif result.comment_count:
        base.comments_note = _(
            "Comments are shown only when at least %(k)d people answered; %(n)d did."
        ) % {"k": pulse.min_comment_group_size, "n": counted}
    return base


# The team page's pulse card -----------------------------------------------------------

#: How many of a team's latest shown scores the card's trend line draws.
TEAM_TREND_POINTS = 8


@dataclass
class TeamScore:
    """The latest shown score of a team, with its change and a few earlier ones."""

    pulse_id: int
    title: str
    closed_on: str
    mean: float
    low: int
    high: int
    change: str
    direction: str
    # (closed on, mean) of the latest shown results of the same instrument, oldest first.
    history: list[tuple[str, float]]
    # The history in words, from three pulses with results on.
    story: str = ""


def _latest_results(organization_id: int, team_id: int) -> QuerySet[PulseResult]:
    return (
        PulseResult.objects.filter(
            RESULT_SHOWN,
            team=team_id,
            organization_id=organization_id,
            pulse__published_at__isnull=False,
        )
        .order_by("-closed_on", "-pulse_id")
        .values_list(
            "pulse_id",
            "instrument_slug",
            "closed_on",
            "n",
            "mean",
            "sd",
            "pulse__title",
            "pulse__definition__scale__min",
            "pulse__definition__scale__max",
        )[: TEAM_TREND_POINTS * 3]
    )


# Read in every visit of the team page: compiled once per connection (lib/prepared.py).
_LATEST_RESULTS = PreparedRead(
    "pulse_latest_results", _latest_results, organization_id=-1001, team_id=-2001
)
# How many of the team's newest pulses its page shows.
TEAM_PAGE_PULSES = 5
_RECENT_ANSWERED = PreparedRead(
    "pulse_recent_answered",
    lambda organization_id, team_id, user_id: pulse_list_answered(
        team=Team(pk=team_id, organization_id=organization_id), user=user_id
    )[:TEAM_PAGE_PULSES],
    organization_id=-1001,
    team_id=-2001,
    user_id=-3001,
)


def pulse_recent_answered(*, team: Team, user: Any) -> list[Pulse]:
    """The first :data:`TEAM_PAGE_PULSES` of :func:`pulse_list_answered`."""
    return _RECENT_ANSWERED.all(
        organization_id=team.organization_id, team_id=team.pk, user_id=user.pk
    )


def team_latest_score(*, team: Team) -> TeamScore | None:
    """The newest published result of ``team`` that is shown, with its trend; one query.

    Only results the team may see are read: published, and shown
    (:data:`RESULT_SHOWN`); the change is against the last such result of
    the same instrument, as on the results page.
    """
    return team_score_from_rows(team_latest_score_rows(team=team))


def team_latest_score_rows(*, team: Team) -> list[tuple[Any, ...]]:
    """What :func:`team_latest_score` is made of, as plain rows (one query).

    Everything the team card shows comes from these rows (and the language
    and time zone), so they are also the key of its rendered fragment.
    """
    return _LATEST_RESULTS.rows(organization_id=team.organization_id, team_id=team.pk)


def team_score_from_rows(rows: list[tuple[Any, ...]]) -> TeamScore | None:
    """:func:`team_latest_score` from :func:`team_latest_score_rows` (no database access)."""
    if not rows or rows[0][4] is None:
        return None
    newest = rows[0]
    same = [r for r in rows if r[1] == newest[1] and r[4] is not None][:TEAM_TREND_POINTS]
    low, high = int(newest[7]), int(newest[8])
    change = explain.sentence(stats.Explanation("change_first"))
    direction = ""
    if len(same) > 1:
        before, after = (stats.MeanResult(r[3], r[4], r[5], None, None) for r in (same[1], same[0]))
        trend = stats.trend(before, after)
        change = explain.sentence(trend.in_words(since=day(same[1][2])))
        direction = trend.direction
    return TeamScore(
        pulse_id=newest[0],
        title=newest[6],
        closed_on=day(newest[2]),
        mean=newest[4],
        low=low,
        high=high,
        change=change,
        direction=direction,
        history=[(day(r[2]), r[4]) for r in reversed(same)],
        story=(
            explain.sentence(
                stats.Explanation(
                    "history",
                    {
                        "first": same[-1][4],
                        "first_day": day(same[-1][2]),
                        "last": newest[4],
                        "last_day": day(newest[2]),
                        "count": len(same),
                    },
                )
            )
            if len(same) >= 3
            else ""
        ),
    )
