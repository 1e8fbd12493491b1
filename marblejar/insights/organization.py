"""Insights across the organization's teams, for its admins: team figures, never a person's.

The distribution of team scores is read with the organization pulse
overview's own rows and rule (:func:`marblejar.pulse.overview.shown_latest_results`,
the shown rows of :func:`~marblejar.pulse.overview.latest_results`), so it
counts exactly the teams that page shows (each team's newest published
result, only when it reached the pulse's own minimum group size) and pools
only those, the same way: no subtraction of numbers on the two pages, or on
a team's results page, isolates fewer people than a minimum group. The rest
are counts per team (reviews closed, actions, marbles), read for the page of
teams shown, and how many teams closed a review at all.
"""

from __future__ import annotations

import statistics
from bisect import bisect_left
from dataclasses import dataclass, field
from typing import Any

from django.core.paginator import Page, Paginator
from django.db import connection
from django.urls import reverse

from marblejar.insights.periods import Period
from marblejar.insights.team import SAFETY_INSTRUMENT
from marblejar.jar.models import Marble
from marblejar.pulse import stats
from marblejar.pulse.overview import (
    instrument_scale,
    latest_results_count_sql,
    shown_latest_results,
)
from marblejar.reviews.models import Action, ActionStatus, CheckResult, Review
from marblejar.teams.models import Team

# Team scores are counted in bins this wide.
BIN_WIDTH = 0.5
PAGE_SIZE = 100


@dataclass
class TeamActivity:
    team_id: int
    name: str
    slug: str
    url: str = ""
    reviews: int = 0
    opened: int = 0
    done: int = 0
    worked: int = 0
    marbles: int = 0


@dataclass
class OrgFigures:
    period: Period
    scale: tuple[int, int]
    # (low edge, high edge, how many teams) from the scale's bottom to its top.
    bins: list[tuple[float, float, int]]
    team_means: list[float]
    # All shown teams pooled, as on the pulse overview (None when none is shown).
    total: stats.MeanResult | None
    hidden_count: int
    teams_without: int
    teams_count: int
    teams_reviewing: int
    page: Page | None = None
    teams: list[TeamActivity] = field(default_factory=list)

    @property
    def shown_teams(self) -> int:
        return len(self.team_means)

    @property
    def median_team(self) -> float | None:
        return statistics.median(self.team_means) if self.team_means else None


def _bins(means: list[float], low: int, high: int) -> list[tuple[float, float, int]]:
    """How many of ``means`` (sorted) fall in each bin; those outside the scale in the
    nearest bin at its end.

    A mean belongs to bin ``(mean - low) // BIN_WIDTH``; that is non-decreasing
    in the mean, so each bin's edge is found by bisection, not by a loop over
    every team.
    """
    count = int(round((high - low) / BIN_WIDTH))

    def band(mean: float) -> float:
        return (mean - low) // BIN_WIDTH

    # firsts[i]: how many means lie below bin i (bin 0 takes everything below it).
    firsts = [0] + [bisect_left(means, i, key=band) for i in range(1, count)] + [len(means)]
    return [
        (float(low + i * BIN_WIDTH), float(low + (i + 1) * BIN_WIDTH), firsts[i + 1] - firsts[i])
        for i in range(count)
    ]


def _page_sql() -> str:
    """The page of teams in name order, each with its counts of the period.

    Written out rather than built by the ORM: building five correlated
    subqueries cost twice what running them does (bench/insights.py). Each
    subquery reads one team's rows by team only (with the organization in
    the filter SQLite would walk that index over every team's rows), and a
    ``COUNT(*)`` without ``GROUP BY`` is 0 for a team with none.
    """
    team, review = Team._meta.db_table, Review._meta.db_table
    action, marble = Action._meta.db_table, Marble._meta.db_table
    return (
        "SELECT t.id, t.name, t.slug, "  # noqa: S608
        f"(SELECT COUNT(*) FROM {review} r WHERE r.team_id = t.id "
        "AND r.closed_at >= %(since)s AND r.closed_at < %(until)s), "
        f"(SELECT COUNT(*) FROM {action} a WHERE a.team_id = t.id "
        "AND a.created_at >= %(since)s AND a.created_at < %(until)s), "
        f"(SELECT COUNT(*) FROM {action} a WHERE a.team_id = t.id AND a.status = %(done)s "
        "AND a.done_at >= %(since)s AND a.done_at < %(until)s), "
        f"(SELECT COUNT(*) FROM {action} a WHERE a.team_id = t.id AND a.check_result = %(worked)s "
        "AND a.checked_at >= %(since)s AND a.checked_at < %(until)s), "
        f"(SELECT COUNT(*) FROM {marble} m WHERE m.team_id = t.id "
        "AND m.created_at >= %(since)s AND m.created_at < %(until)s) "
        f"FROM {team} t WHERE t.organization_id = %(org)s "
        "ORDER BY LOWER(t.name), t.id LIMIT %(limit)s OFFSET %(offset)s"
    )


def _counts_sql() -> str:
    """The organization's teams, those that closed a review in the period, and its newest
    pulse results (shown or not): three counts in one query."""
    team, review = Team._meta.db_table, Review._meta.db_table
    return (
        f"SELECT (SELECT COUNT(*) FROM {team} WHERE organization_id = %s), "  # noqa: S608
        f"(SELECT COUNT(DISTINCT team_id) FROM {review} WHERE organization_id = %s "
        "AND closed_at >= %s AND closed_at < %s), "
        f"({latest_results_count_sql()})"
    )


class _TeamRows:
    """The organization's teams for :class:`Paginator`: counted once, read a page at a time."""

    def __init__(self, *, organization_id: int, period: Period, count: int) -> None:
        self.organization_id, self.period, self._count = organization_id, period, count

    def count(self) -> int:
        return self._count

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, index: slice) -> list[tuple]:
        offset = index.start or 0
        params = {
            "since": connection.ops.adapt_datetimefield_value(self.period.since),
            "until": connection.ops.adapt_datetimefield_value(self.period.until),
            "done": ActionStatus.DONE.value,
            "worked": CheckResult.WORKED.value,
            "org": self.organization_id,
            "limit": max(0, index.stop - offset),
            "offset": offset,
        }
        with connection.cursor() as cursor:
            cursor.execute(_page_sql(), params)
            return cursor.fetchall()


def _activity(rows: list[tuple]) -> list[TeamActivity]:
    # One reverse() for the page, not one per row.
    link = reverse("insights:team", args=["--slug--"])
    return [
        TeamActivity(pk, name, slug, link.replace("--slug--", slug), *counts)
        for pk, name, slug, *counts in rows
    ]


def org_figures(*, organization_id: int, period: Period, page: Any = 1) -> OrgFigures:
    """Score distribution, and activity per team for one page of teams in name order.

    Three queries, whatever the number of teams: the counts (teams, teams
    that closed a review, newest results), the shown newest results, and the
    page of teams with their reviews, actions and marbles.
    """
    since = connection.ops.adapt_datetimefield_value(period.since)
    until = connection.ops.adapt_datetimefield_value(period.until)
    with connection.cursor() as cursor:
        cursor.execute(
            _counts_sql(),
            [organization_id, organization_id, since, until, organization_id]
            + [SAFETY_INSTRUMENT, True],
        )
        teams_count, reviewing, results_count = cursor.fetchone()
    shown = shown_latest_results(organization_id=organization_id, instrument_slug=SAFETY_INSTRUMENT)
    means = sorted(mean for _n, mean, _sd in shown if mean is not None)
    low, high = instrument_scale(SAFETY_INSTRUMENT)
    total = stats.pooled_mean(shown) if shown else None
    paginator = Paginator(
        _TeamRows(organization_id=organization_id, period=period, count=teams_count), PAGE_SIZE
    )
    this_page = paginator.get_page(page)
    return OrgFigures(
        period=period,
        scale=(low, high),
        bins=_bins(means, low, high),
        team_means=means,
        total=total if total is not None and total.n else None,
        hidden_count=results_count - len(shown),
        teams_without=teams_count - results_count,
        teams_count=paginator.count,
        teams_reviewing=reviewing,
        page=this_page,
        teams=_activity(list(this_page.object_list)),
    )
