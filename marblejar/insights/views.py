"""The insights pages: a team's long game, and the organization's teams side by side."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET

from marblejar import permissions
from marblejar.insights import drawing, readings, tables
from marblejar.insights.organization import org_figures
from marblejar.insights.periods import PERIODS, period_of
from marblejar.insights.team import team_figures
from marblejar.lib import charts
from marblejar.teams import selectors as team_selectors


def _periods(current: int) -> list[dict[str, object]]:
    return [{"months": m, "label": label, "current": m == current} for m, label in PERIODS.items()]


@login_required
@require_GET
def team_insights(request: HttpRequest, slug: str) -> HttpResponse:
    team = team_selectors.team_get(user=request.user, slug=slug, action="insights.team")
    period = period_of(request.GET.get("months"))
    figures = team_figures(team=team, period=period)
    said = {
        "safety": readings.safety_reading(figures),
        "checks": readings.checks_reading(figures),
        "marbles": readings.marbles_reading(figures),
        "reflections": readings.reflections_reading(figures),
        "actions": readings.actions_reading(figures),
        "participation": readings.participation_reading(figures),
    }
    months, pulses, checks = (
        tables.month_rows(figures),
        tables.pulse_rows(figures),
        tables.check_rows(figures),
    )
    context = {
        "team": team,
        "period": period,
        "periods": _periods(period.months),
        "figures": figures,
        "months": months,
        "pulses": pulses,
        "checks": checks,
        # Bodies of the longest tables, written in Python (escaped there).
        "months_html": tables.month_rows_html(months),
        "checks_html": tables.check_rows_html(checks),
        "participation_html": tables.participation_rows_html(pulses),
        "readings": said,
        "charts": drawing.team_svgs(figures, said),
        # The quarter summary is written when asked for (copied or opened), not
        # on every render: eight quarters of sentences over two years.
        "markdown_url": _markdown_url(team.slug, period.months),
    }
    return render(request, "insights/team.html", context)


def _markdown_url(slug: str, months: int) -> str:
    return f"{reverse('insights:team_markdown', args=[slug])}?{urlencode({'months': months})}"


@login_required
@require_GET
def team_insights_markdown(request: HttpRequest, slug: str) -> HttpResponse:
    """The team page's figures quarter by quarter, as Markdown (plain text, for copying)."""
    team = team_selectors.team_get(user=request.user, slug=slug, action="insights.team")
    period = period_of(request.GET.get("months"))
    figures = team_figures(team=team, period=period)
    quarters = [figures.part(start=first, end=after) for _y, _q, first, after in period.quarters()]
    response = HttpResponse(
        readings.quarter_markdown(figures, quarters=quarters),
        content_type="text/plain; charset=utf-8",
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def organization_insights(request: HttpRequest) -> HttpResponse:
    org = request.user.organization
    permissions.require(request.user, "insights.organization", org)
    period = period_of(request.GET.get("months"))
    figures = org_figures(organization_id=org.pk, period=period, page=request.GET.get("page"))
    edges = [low for low, _high, _count in figures.bins] + [figures.bins[-1][1]]
    histogram, histogram_ticks = charts.histogram([c for _l, _h, c in figures.bins], edges)
    context = {
        "period": period,
        "periods": _periods(period.months),
        "figures": figures,
        "bins": [{"low": low, "high": high, "count": count} for low, high, count in figures.bins],
        "histogram": histogram,
        "histogram_ticks": histogram_ticks,
        "page": figures.page,
        "activity_rows": tables.activity_rows(figures.teams),
        "readings": {
            "scores": readings.org_scores_reading(figures),
            "activity": readings.org_activity_reading(figures),
        },
    }
    return render(request, "insights/organization.html", context)
