"""Reads for pulses, scoped to a team or organization; results come from stored aggregates."""

from __future__ import annotations

import functools
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from marblejar import permissions
from marblejar.lib.dates import day
from marblejar.pulse import explain, stats
from marblejar.pulse.instruments import builtin_instruments
from marblejar.pulse.models import (
    RESULT_SHOWN,
    Comment,
    Instrument,
    Participation,
    Pulse,
    PulseResult,
)
from marblejar.teams.models import Team


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


def answered_pulse_ids(*, user: Any, pulses: list[Pulse]) -> set[int]:
    return set(
        Participation.objects.filter(user=user, pulse__in=pulses).values_list("pulse_id", flat=True)
    )


def instrument_list_for_team(*, team: Team) -> QuerySet[Instrument]:
    return Instrument.objects.filter(team=team, organization_id=team.organization_id)


# One pulse's results ----------------------------------------------------------


@dataclass
class ItemRow:
    text: str
    reverse: bool
    mean: float | None
    percent: float | None


@dataclass
class Results:
    pulse: Pulse
    n: int
    k: int
    shown: bool
    # Who the minimum rests on: respondents who were in the team when the pulse opened.
    counted: int = 0
    counting_sentences: list[str] = field(default_factory=list)
    summary: stats.GroupSummary | None = None
    sentences: list[str] = field(default_factory=list)
    items: list[ItemRow] = field(default_factory=list)
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
    counting = counting_sentences(pulse=pulse, n=n, counted=counted) if result else []
    if result is None or not result.is_shown:
        sentence = explain.sentence(stats.Explanation("suppressed", {"min_group_size": k}))
        return Results(
            pulse=pulse,
            n=n,
            k=k,
            shown=False,
            counted=counted,
            counting_sentences=counting,
            sentences=[sentence],
        )
    summary = summary_of(result, pulse.scale)
    low, high = pulse.scale
    items = [
        ItemRow(
            text=item["text"],
            reverse=bool(item.get("reverse")),
            # Item means are stored keyed; show what people answered to the item as worded.
            mean=(None if m is None else (low + high - m if item.get("reverse") else m)),
            percent=(
                None
                if m is None
                else stats.to_percent(
                    low + high - m if item.get("reverse") else m, scale=(low, high)
                )
            ),
        )
        for item, m in zip(pulse.items, summary.item_means, strict=True)
    ]
    biggest = max(summary.distribution or [1]) or 1
    distribution = [
        (label, count, count / biggest * 100)
        for label, count in zip(pulse.scale_labels, summary.distribution or [], strict=False)
    ]
    results = Results(
        pulse=pulse,
        n=n,
        k=k,
        shown=True,
        counted=counted,
        counting_sentences=counting,
        summary=summary,
        sentences=explain.sentences(summary.explain(min_group_size=k)),
        items=items,
        distribution=distribution,
    )
    if counted >= pulse.min_comment_group_size:
        texts = list(Comment.objects.filter(pulse=pulse).values_list("text", flat=True))
        # Stored in random order already; shuffled again per view so that no
        # order, not even the key order, is ever shown twice.
        secrets.SystemRandom().shuffle(texts)
        results.comments = texts
    elif result.comment_count:
        results.comments_note = _(
            "Comments are shown only when at least %(k)d people answered; %(n)d did."
        ) % {"k": pulse.min_comment_group_size, "n": counted}
    previous = (
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
    if previous is not None:
        results.trend_sentence = explain.sentence(
            stats.trend(summary_of(previous, pulse.scale), summary).explain()
        )
    return results


# Across teams -----------------------------------------------------------------


@dataclass
class OverviewRow:
    team_id: int
    name: str
    slug: str
    n: int
    shown: bool
    mean: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    percent: float | None = None
    closed_on: Any = None

    def formatted(self) -> dict[str, str]:
        """The row's numbers as text, formatted in Python: a page of 100 rows renders fast."""
        if not self.shown or self.mean is None:
            return {}
        people = ngettext("%d person", "%d people", self.n) % self.n
        ci = f"{self.ci_low:.2f}–{self.ci_high:.2f}" if self.ci_low is not None else "–"
        return {
            "mean": f"{self.mean:.2f}",
            "people": people,
            "ci": ci,
            "closed": day(self.closed_on) if self.closed_on else "",
        }


class OverviewRows(Sequence[OverviewRow]):
    """The overview's rows in name order, made into objects only when a page asks."""

    def __init__(self, items: list[tuple]) -> None:
        self._items = items

    def __len__(self) -> int:
        return len(self._items)

    @staticmethod
    def _row(item: tuple) -> OverviewRow:
        _key, team_id, name, slug, n, shown, mean = item
        return OverviewRow(team_id, name, slug, n, shown, mean)

    def __getitem__(self, index):  # type: ignore[override]
        if isinstance(index, slice):
            return [self._row(item) for item in self._items[index]]
        return self._row(self._items[index])


@dataclass
class Overview:
    instrument_slug: str
    instrument_name: str
    scale: tuple[int, int]
    rows: OverviewRows
    total_n: int
    total_shown: bool
    total: stats.MeanResult | None
    total_sentences: list[str]
    icc_sentences: list[str]
    teams_without: int
    hidden_count: int


@functools.cache
def _builtin_instruments() -> dict[str, Any]:
    # The files ship with the code: read them once per process.
    return builtin_instruments()


def overview_instruments() -> list[tuple[str, str]]:
    return [(slug, i.name) for slug, i in _builtin_instruments().items()]


def org_overview(*, organization_id: int, instrument_slug: str) -> Overview:
    """Each team's newest published result of one instrument, and the organization's.

    A team is shown only when its pulse reached its own minimum group size
    (the rule of :attr:`PulseResult.is_shown`, the same as on the team's
    results page). The organization's figure pools the shown teams only:
    a hidden team's answers are in no number anywhere, so no subtraction of
    numbers one person can read (this page, a team's results page, the API)
    leaves fewer than a minimum group of people.

    Reads stored aggregates only: one query for the results, one for team names.
    """
    instrument = _builtin_instruments().get(instrument_slug)
    if instrument is None:
        raise Http404
    scale = instrument.scale.bounds
    # Plain cursor reads: 6,000 rows through model field converters would
    # cost more than the whole page may (see bench/pulse_org.py).
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT team_id, n, mean, sd, counted >= min_group_size "  # noqa: S608
            f"FROM {PulseResult._meta.db_table} "
            # "is_latest = %s", not "AND is_latest": only an equality lets the index seek.
            "WHERE organization_id = %s AND instrument_slug = %s AND is_latest = %s",
            [organization_id, instrument_slug, True],
        )
        results = cursor.fetchall()
        cursor.execute(
            f"SELECT id, name, slug FROM {Team._meta.db_table} WHERE organization_id = %s",  # noqa: S608
            [organization_id],
        )
        team_rows = cursor.fetchall()
    teams = {pk: name for pk, name, _slug in team_rows}
    slugs = {pk: slug for pk, _name, slug in team_rows}
    shown_results = [r[:4] for r in results if r[4]]
    shown = {r[0] for r in shown_results}
    items = [
        (
            teams.get(team_id, "").lower(),
            team_id,
            teams.get(team_id, ""),
            slugs.get(team_id, ""),
            n if team_id in shown else 0,
            team_id in shown,
            mean if team_id in shown else None,
        )
        for team_id, n, mean, _sd, _shown in results
    ]
    items.sort()
    total = None
    total_sentences: list[str] = []
    icc_sentences: list[str] = []
    if shown_results:
        total = _pooled(shown_results)
        total_sentences = explain.sentences(total.explain())
        if len(shown_results) >= 2:
            icc = stats.icc_from_groups(
                [r[1] for r in shown_results],
                [r[2] for r in shown_results],
                [r[3] if r[3] is not None else 0.0 for r in shown_results],
            )
            icc_sentences = explain.sentences(icc.explain())
    return Overview(
        instrument_slug=instrument_slug,
        instrument_name=instrument.name,
        scale=scale,
        rows=OverviewRows(items),
        total_n=total.n if total else 0,
        total_shown=total is not None,
        total=total,
        total_sentences=total_sentences,
        icc_sentences=icc_sentences,
        teams_without=len(teams) - len(results),
        hidden_count=len(results) - len(shown),
    )


def overview_fill(*, organization_id: int, instrument_slug: str, rows: list[OverviewRow]) -> None:
    """Add interval and closing date to the shown rows of one page (one query)."""
    wanted = {row.team_id: row for row in rows if row.shown}
    if not wanted:
        return
    details = PulseResult.objects.filter(
        organization_id=organization_id,
        instrument_slug=instrument_slug,
        is_latest=True,
        team_id__in=list(wanted),
    ).values_list("team_id", "ci_low", "ci_high", "percent", "closed_on")
    for team_id, ci_low, ci_high, percent, closed_on in details:
        row = wanted[team_id]
        row.ci_low, row.ci_high, row.percent, row.closed_on = ci_low, ci_high, percent, closed_on


def _pooled(results: list[tuple]) -> stats.MeanResult:
    """Mean, SD and CI of all respondents together, from each group's n, mean and SD."""
    import math

    from scipy import stats as sps

    n = sum(r[1] for r in results)
    groups = [(r[1], r[2], r[3] or 0.0) for r in results if r[1] and r[2] is not None]
    mean = sum(g * m for g, m, _sd in groups) / n
    if n < 2:
        return stats.MeanResult(n, mean, None, None, None)
    ss = sum((g - 1) * sd * sd + g * (m - mean) ** 2 for g, m, sd in groups)
    sd = math.sqrt(ss / (n - 1))
    half = float(sps.t.ppf(0.975, n - 1)) * sd / math.sqrt(n)
    return stats.MeanResult(n, mean, sd, mean - half, mean + half)
