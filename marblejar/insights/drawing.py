"""The team's figures as charts on one time axis (geometry in :mod:`marblejar.lib.charts`)."""

from __future__ import annotations

from django.utils.dates import MONTHS_3
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst

from marblejar.insights.team import CHECK_SCALE, TeamFigures
from marblejar.lib import charts


def month_labels(figures: TeamFigures) -> list[str]:
    """Short month names under the axis; January names its year (the lede names the first)."""
    labels = []
    months = figures.period.month_list()
    crowded = len(months) > 12
    for i, month in enumerate(months):
        name = str(capfirst(MONTHS_3[month.month]))
        if crowded and month.month % 3 != 1:
            name = ""
        elif (i == 0 and crowded) or (i > 0 and month.month == 1):
            name = f"{name} {month.year}"
        labels.append(name)
    return labels


def team_charts(figures: TeamFigures) -> dict[str, charts.Chart]:
    period = figures.period
    time = charts.TimeAxis(period.start, period.end)
    labels = month_labels(figures)
    shown = figures.shown_pulses
    low, high = shown[-1].scale if shown else (1, 7)
    months = figures.months
    return {
        "safety": charts.point_chart(
            time,
            labels,
            [(p.closed_on, p.mean, p.ci_low, p.ci_high) for p in shown if p.mean is not None],
            low=low,
            high=high,
        ),
        "checks": charts.point_chart(
            time,
            labels,
            [(c.on, c.median, None, None) for c in figures.checks],
            low=CHECK_SCALE[0],
            high=CHECK_SCALE[1],
        ),
        "marbles": charts.bar_chart(time, labels, [[m.marbles for m in months]], css=["marbles"]),
        "reflections": charts.bar_chart(
            time,
            labels,
            [[m.by_leads for m in months], [m.reflections - m.by_leads for m in months]],
            stacked=True,
            css=["leads", "members"],
        ),
        "actions": charts.bar_chart(
            time,
            labels,
            [[m.opened for m in months], [m.done for m in months], [m.worked for m in months]],
            css=["opened", "done", "worked"],
        ),
        "participation": charts.point_chart(
            time,
            labels,
            [
                (p.closed_on, 100 * p.participation, None, None)
                for p in figures.pulses
                if p.participation is not None
            ],
            low=0,
            high=100,
            step=25,
        ),
    }


def team_svgs(figures: TeamFigures, readings: dict[str, str]) -> dict[str, SafeString]:
    """Each chart as SVG markup, titled with its reading (escaped in :func:`charts.svg`)."""
    drawn = team_charts(figures)
    return {
        name: mark_safe(  # noqa: S308 - every text in it is escaped by charts.svg
            charts.svg(chart, element_id=f"{name}-chart", title=readings[name])
        )
        for name, chart in drawn.items()
    }
