"""Insights across the organization's teams, for its admins: team figures, never a person's.

The distribution of team scores is read with the organization pulse
overview's own read (:func:`marblejar.pulse.overview.latest_results`), so it
shows exactly the teams that page shows (each team's newest published
result, only when it reached the pulse's own minimum group size) and pools
only those, the same way: no subtraction of numbers on the two pages, or on
a team's results page, isolates fewer people than a minimum group. The rest
are counts per team (reviews closed, actions, marbles), read for the page of
teams shown, and how many teams closed a review at all.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce, Lower
from django.urls import reverse

from marblejar.insights.periods import Period
from marblejar.insights.team import SAFETY_INSTRUMENT
from marblejar.jar.models import Marble
from marblejar.pulse import stats
from marblejar.pulse.overview import instrument_scale, latest_results
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
    count = int(round((high - low) / BIN_WIDTH))
    bins = [[low + i * BIN_WIDTH, low + (i + 1) * BIN_WIDTH, 0] for i in range(count)]
    for mean in means:
        index = min(count - 1, max(0, int((mean - low) // BIN_WIDTH)))
        bins[index][2] += 1
    return [(float(a), float(b), int(c)) for a, b, c in bins]


def _per_team(queryset: Any) -> Coalesce:
    """How many rows of ``queryset`` belong to the outer team (0 when none)."""
    counted = (
        queryset.filter(team_id=OuterRef("pk"))
        .order_by()
        .values("team_id")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    return Coalesce(Subquery(counted), 0)


def _teams_with_activity(organization_id: int, period: Period) -> Any:
    """The organization's teams in name order, each with its counts of the period.

    Paged in SQL: the page's query counts each team's reviews, actions and
    marbles with a subquery per figure, which reads those teams' rows by team
    only (with the organization in the filter SQLite would walk that index
    over every team's rows); the paginator's count leaves them out.
    """
    since, until = period.since, period.until
    return (
        Team.objects.filter(organization_id=organization_id)
        .order_by(Lower("name"), "id")
        .values_list("id", "name", "slug")
        .annotate(
            reviews=_per_team(Review.objects.filter(closed_at__gte=since, closed_at__lt=until)),
            opened=_per_team(Action.objects.filter(created_at__gte=since, created_at__lt=until)),
            done=_per_team(
                Action.objects.filter(
                    status=ActionStatus.DONE, done_at__gte=since, done_at__lt=until
                )
            ),
            worked=_per_team(
                Action.objects.filter(
                    check_result=CheckResult.WORKED, checked_at__gte=since, checked_at__lt=until
                )
            ),
            marbles=_per_team(Marble.objects.filter(created_at__gte=since, created_at__lt=until)),
        )
    )


def _activity(rows: list[tuple]) -> list[TeamActivity]:
    # One reverse() for the page, not one per row.
    link = reverse("insights:team", args=["--slug--"])
    return [
        TeamActivity(pk, name, slug, link.replace("--slug--", slug), *counts)
        for pk, name, slug, *counts in rows
    ]


def org_figures(*, organization_id: int, period: Period, page: Any = 1) -> OrgFigures:
    """Score distribution, and activity per team for one page of teams in name order.

    Four queries, whatever the number of teams: the newest results, the
    number of teams, the page of them with their reviews, actions and
    marbles, and how many teams closed a review.
    """
    results = latest_results(organization_id=organization_id, instrument_slug=SAFETY_INSTRUMENT)
    shown = [(n, mean, sd) for _team, n, mean, sd, is_shown in results if is_shown]
    means = [mean for _n, mean, _sd in shown if mean is not None]
    low, high = instrument_scale(SAFETY_INSTRUMENT)
    total = stats.pooled_mean(shown) if shown else None
    paginator = Paginator(_teams_with_activity(organization_id, period), PAGE_SIZE)
    this_page = paginator.get_page(page)
    reviewing = (
        Review.objects.filter(
            organization_id=organization_id,
            closed_at__gte=period.since,
            closed_at__lt=period.until,
        )
        .values("team_id")
        .distinct()
        .count()
    )
    return OrgFigures(
        period=period,
        scale=(low, high),
        bins=_bins(means, low, high),
        team_means=means,
        total=total if total is not None and total.n else None,
        hidden_count=len(results) - len(shown),
        teams_without=paginator.count - len(results),
        teams_count=paginator.count,
        teams_reviewing=reviewing,
        page=this_page,
        teams=_activity(list(this_page.object_list)),
    )
