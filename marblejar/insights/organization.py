"""Insights across the organization's teams, for its admins: team figures, never a person's.

The distribution of team scores is read from the organization's pulse
overview (:func:`marblejar.pulse.overview.org_overview`), so it shows
exactly the teams that page shows (each team's newest published result,
only when it reached the pulse's own minimum group size) and pools only
those: no subtraction of numbers on the two pages, or on a team's results
page, isolates fewer people than a minimum group. The rest are counts per
team (reviews closed, actions, marbles), read with one grouped query each.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import Count, Q

from marblejar.insights.periods import Period
from marblejar.insights.team import SAFETY_INSTRUMENT
from marblejar.jar.models import Marble
from marblejar.pulse.overview import Overview, org_overview
from marblejar.reviews.models import Action, ActionStatus, CheckResult, Review
from marblejar.teams.models import Team

# Team scores are counted in bins this wide.
BIN_WIDTH = 0.5


@dataclass
class TeamActivity:
    team_id: int
    name: str
    slug: str
    reviews: int = 0
    opened: int = 0
    done: int = 0
    worked: int = 0
    marbles: int = 0


@dataclass
class OrgFigures:
    period: Period
    overview: Overview
    # (low edge, high edge, how many teams) from the scale's bottom to its top.
    bins: list[tuple[float, float, int]]
    team_means: list[float]
    teams: list[TeamActivity] = field(default_factory=list)

    @property
    def shown_teams(self) -> int:
        return len(self.team_means)

    @property
    def median_team(self) -> float | None:
        return statistics.median(self.team_means) if self.team_means else None


def _bins(means: list[float], low: int, high: int) -> list[tuple[float, float, int]]:
    count = int(round((high - low) / BIN_WIDTH))
    bins = [[low + i * BIN_WIDTH, low + (i + 1) * BIN_WIDTH, 0] for i in range(count)]
    for mean in means:
        index = min(count - 1, max(0, int((mean - low) // BIN_WIDTH)))
        bins[index][2] += 1
    return [(float(a), float(b), int(c)) for a, b, c in bins]


def _plain(queryset: Any) -> list[tuple]:
    """The rows of a grouped query, read with a plain cursor.

    Built with the ORM, run without its per-value converters: 6,000 rows of
    integers through them cost more than the rest of the page (see
    bench/insights.py).
    """
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def org_figures(*, organization_id: int, period: Period) -> OrgFigures:
    """Score distribution and activity per team over ``period``.

    Six queries, whatever the number of teams.
    """
    overview = org_overview(organization_id=organization_id, instrument_slug=SAFETY_INSTRUMENT)
    # Only the shown rows carry a mean (see OverviewRows).
    means = [row.mean for row in overview.rows if row.shown and row.mean is not None]
    low, high = overview.scale
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, name, slug FROM {Team._meta.db_table} WHERE organization_id = %s",  # noqa: S608
            [organization_id],
        )
        activity = {pk: TeamActivity(pk, name, slug) for pk, name, slug in cursor.fetchall()}
    since, until = period.since, period.until
    reviews = (
        Review.objects.filter(
            organization_id=organization_id, closed_at__gte=since, closed_at__lt=until
        )
        .values_list("team_id")
        .annotate(count=Count("pk"))
        .order_by()
    )
    for team_id, count in _plain(reviews):
        if team_id in activity:
            activity[team_id].reviews = count
    actions = (
        Action.objects.filter(organization_id=organization_id)
        .filter(
            Q(created_at__gte=since, created_at__lt=until)
            | Q(done_at__gte=since, done_at__lt=until)
            | Q(checked_at__gte=since, checked_at__lt=until)
        )
        .values_list("team_id")
        .annotate(
            opened=Count("pk", filter=Q(created_at__gte=since, created_at__lt=until)),
            done=Count(
                "pk",
                filter=Q(status=ActionStatus.DONE, done_at__gte=since, done_at__lt=until),
            ),
            worked=Count(
                "pk",
                filter=Q(
                    check_result=CheckResult.WORKED, checked_at__gte=since, checked_at__lt=until
                ),
            ),
        )
        .order_by()
    )
    for team_id, opened, done, worked in _plain(actions):
        if team_id in activity:
            row = activity[team_id]
            row.opened, row.done, row.worked = opened, done, worked
    marbles = (
        Marble.objects.filter(
            organization_id=organization_id, created_at__gte=since, created_at__lt=until
        )
        .values_list("team_id")
        .annotate(count=Count("pk"))
        .order_by()
    )
    for team_id, count in _plain(marbles):
        if team_id in activity:
            activity[team_id].marbles = count
    teams = sorted(activity.values(), key=lambda t: (t.name.lower(), t.team_id))
    return OrgFigures(
        period=period,
        overview=overview,
        bins=_bins(means, low, high),
        team_means=means,
        teams=teams,
    )
