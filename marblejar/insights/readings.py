"""What each chart says, in one sentence written by the server, and the quarter summary.

Every number in a sentence is one the chart and its table show; nothing is
per person.
"""

from __future__ import annotations

import statistics
from datetime import date, timedelta

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from marblejar.insights.organization import OrgFigures
from marblejar.insights.periods import Period
from marblejar.insights.team import CHECK_SCALE, PulsePoint, TeamFigures
from marblejar.lib.dates import day, month
from marblejar.pulse import stats


def month_name(value: date) -> str:
    """ "July 2026": a month in the named format."""
    return month(value)


def change_words(point: PulsePoint) -> str:
    """The change of a shown pulse against the one before, with its uncertainty in words."""
    change = point.change
    if change is None:
        return _("First pulse with results in this period.")
    if change.difference is None:
        return _("A change needs at least two answers in each pulse.")
    if change.exceeds_uncertainty:
        return _("%(diff)+.1f: larger than its uncertainty.") % {"diff": change.difference}
    return _("%(diff)+.1f: within its uncertainty.") % {"diff": change.difference}


def safety_reading(figures: TeamFigures) -> str:
    shown = figures.shown_pulses
    if not figures.pulses:
        return _("No psychological-safety pulse published its results in this period.")
    if not shown:
        return _(
            "No pulse in this period reached its minimum group size, so there is no score to show."
        )
    high = shown[-1].scale[1]
    if len(shown) == 1:
        only = shown[0]
        return _("One pulse with results: %(mean).1f out of %(high)d on %(day)s.") % {
            "mean": only.mean,
            "high": high,
            "day": day(only.closed_on),
        }
    first, last = shown[0], shown[-1]
    change = stats.trend(
        stats.MeanResult(first.n, first.mean, first.sd, first.ci_low, first.ci_high),
        stats.MeanResult(last.n, last.mean, last.sd, last.ci_low, last.ci_high),
    )
    values = {"first": first.mean, "last": last.mean, "count": len(shown)}
    assert first.mean is not None and last.mean is not None
    if change.difference is None:
        return _("Safety went from %(first).1f to %(last).1f across %(count)d pulses.") % values
    if not change.exceeds_uncertainty:
        return (
            _(
                "Safety went from %(first).1f to %(last).1f across %(count)d pulses; the "
                "change is within its uncertainty, so it may be chance."
            )
            % values
        )
    if change.difference > 0:
        return (
            _(
                "Safety rose from %(first).1f to %(last).1f across %(count)d pulses; the rise "
                "is larger than its uncertainty."
            )
            % values
        )
    return (
        _(
            "Safety fell from %(first).1f to %(last).1f across %(count)d pulses; the fall is "
            "larger than its uncertainty."
        )
        % values
    )


def checks_reading(figures: TeamFigures) -> str:
    checks = figures.checks
    high = CHECK_SCALE[1]
    if not checks:
        return _(
            "No review in this period revealed its safety check (it is shown from three "
            "answers on)."
        )
    if len(checks) == 1:
        return _(
            "One review revealed its safety check: a median of %(median)g out of %(high)d."
        ) % {
            "median": checks[0].median,
            "high": high,
        }
    return _(
        "Across %(count)d reviews the safety check's median went from %(first)g to %(last)g "
        "out of %(high)d."
    ) % {
        "count": len(checks),
        "first": checks[0].median,
        "last": checks[-1].median,
        "high": high,
    }


def marbles_reading(figures: TeamFigures) -> str:
    total = figures.marbles
    if not total:
        return _("No marble dropped in this period.")
    busiest = max(figures.months, key=lambda m: (m.marbles, m.start))
    return ngettext(
        "%(total)d marble dropped in these months; most in %(month)s (%(count)d).",
        "%(total)d marbles dropped in these months; most in %(month)s (%(count)d).",
        total,
    ) % {"total": total, "month": month_name(busiest.start), "count": busiest.marbles}


def reflections_reading(figures: TeamFigures) -> str:
    total = figures.reflections
    if not total:
        return _("Nobody shared a reflection in this period.")
    leads = figures.by_leads
    return ngettext(
        "%(total)d reflection shared, %(leads)d of them (%(percent)d%%) by a lead: leaders "
        "going first.",
        "%(total)d reflections shared, %(leads)d of them (%(percent)d%%) by leads: leaders "
        "going first.",
        total,
    ) % {"total": total, "leads": leads, "percent": round(100 * leads / total)}


def actions_reading(figures: TeamFigures) -> str:
    a = figures.actions
    if not (a.opened or a.done or a.checked):
        return _("No improvement action was opened, done or checked in this period.")
    text = _("%(opened)d actions opened and %(done)d done") % {"opened": a.opened, "done": a.done}
    if a.median_days_to_done is not None:
        text += _(", in a median of %(days)g days") % {"days": a.median_days_to_done}
    if a.checked:
        text += _("; of %(checked)d checked, %(worked)d worked and %(partly)d partly") % {
            "checked": a.checked,
            "worked": a.worked,
            "partly": a.partly,
        }
    return text + "."


def participation_reading(figures: TeamFigures) -> str:
    rates = [p.participation for p in figures.pulses if p.participation is not None]
    if not rates:
        return _("No pulse published its results in this period.")
    mean = statistics.fmean(rates)
    return _(
        "On average %(percent)d%% of the team answered each pulse (from %(low)d%% to %(high)d%%)."
    ) % {
        "percent": round(100 * mean),
        "low": round(100 * min(rates)),
        "high": round(100 * max(rates)),
    }


def quarter_markdown(figures: TeamFigures, *, quarters: list[TeamFigures]) -> str:
    """The period as Markdown, one section per calendar quarter, newest first.

    ``quarters`` holds the figures of each quarter of the period (from
    :meth:`Period.quarters`), in the same order.
    """
    team = figures.team.name
    lines = [
        _("# %(team)s: insights from %(first)s to %(last)s")
        % {
            "team": team,
            "first": day(figures.period.start),
            "last": day(_last_day(figures.period)),
        },
        "",
    ]
    for (year, q, first, after), part in reversed(
        list(zip(figures.period.quarters(), quarters, strict=True))
    ):
        lines.append(
            _("## Q%(q)d %(year)d (%(first)s to %(last)s)")
            % {"q": q, "year": year, "first": day(first), "last": day(_day_before(after))}
        )
        lines.append("")
        lines.append("- " + safety_reading(part))
        lines.append("- " + checks_reading(part))
        lines.append("- " + marbles_reading(part))
        lines.append("- " + reflections_reading(part))
        lines.append("- " + actions_reading(part))
        lines.append("- " + participation_reading(part))
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _day_before(value: date) -> date:
    return value - timedelta(days=1)


def _last_day(period: Period) -> date:
    return _day_before(period.end)


# Across the organization ----------------------------------------------------------


def org_scores_reading(figures: OrgFigures) -> str:
    if not figures.team_means:
        return _(
            "No team's newest psychological-safety pulse has results to show yet, so there "
            "is no distribution."
        )
    high = figures.scale[1]
    means = sorted(figures.team_means)
    quarter = len(means) // 4
    middle = means[quarter : len(means) - quarter] or means
    return ngettext(
        "%(teams)d team has results to show: %(median).1f out of %(high)d.",
        "%(teams)d teams have results to show; the middle team scores %(median).1f out of "
        "%(high)d, and the middle half of teams lie between %(low).1f and %(top).1f.",
        len(means),
    ) % {
        "teams": len(means),
        "median": figures.median_team,
        "high": high,
        "low": middle[0],
        "top": middle[-1],
    }


def org_activity_reading(figures: OrgFigures) -> str:
    if not figures.teams_count:
        return _("The organization has no teams yet.")
    return ngettext(
        "%(reviewing)d of %(teams)d team closed at least one review in this period.",
        "%(reviewing)d of %(teams)d teams closed at least one review in this period.",
        figures.teams_count,
    ) % {"reviewing": figures.teams_reviewing, "teams": figures.teams_count}
