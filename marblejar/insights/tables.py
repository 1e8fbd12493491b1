"""The tables under the team's charts, formatted in Python.

A two-year page has a row per pulse, per review and per month; formatting
them here (numbers, dates, links) rather than with a template filter per
cell keeps the page within a few times a plain page's cost (see
bench/insights.py). Texts stay plain strings: the template escapes them.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.html import escape, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from marblejar.insights import readings
from marblejar.insights.organization import TeamActivity
from marblejar.insights.team import TeamFigures
from marblejar.lib.dates import day


@dataclass(frozen=True)
class PulseRow:
    url: str
    title: str
    closed: str
    shown: bool
    score: str = ""
    people: str = ""
    interval: str = ""
    change: str = ""
    hidden: str = ""
    answered: str = ""


@dataclass(frozen=True)
class CheckRow:
    url: str
    title: str
    held: str
    median: str
    answers: int


def _url_maker(name: str, *first: object) -> tuple[str, str]:
    """A reversed URL with a placeholder for its last argument: one reverse() per table."""
    return reverse(name, args=[*first, 999999999]), "999999999"


def pulse_rows(figures: TeamFigures) -> list[PulseRow]:
    template, hole = _url_maker("pulse:results", figures.team.slug)
    rows = []
    for p in figures.pulses:
        if p.members:
            answered = _("%(counted)d of %(members)d (%(percent)d%%)") % {
                "counted": p.counted,
                "members": p.members,
                "percent": round(100 * p.counted / p.members),
            }
        else:
            answered = str(p.counted)
        common = {
            "url": template.replace(hole, str(p.pulse_id)),
            "title": p.title,
            "closed": day(p.closed_on),
            "answered": answered,
        }
        if not p.shown or p.mean is None:
            rows.append(
                PulseRow(
                    **common,
                    shown=False,
                    hidden=_(
                        "Not shown: fewer than %(k)d people who were in the team when it "
                        "opened answered."
                    )
                    % {"k": p.min_group_size},
                )
            )
            continue
        rows.append(
            PulseRow(
                **common,
                shown=True,
                score=f"{p.mean:.2f}",
                people=ngettext("(%(n)d person)", "(%(n)d people)", p.n) % {"n": p.n},
                interval=(
                    f"{p.ci_low:.2f}–{p.ci_high:.2f}"
                    if p.ci_low is not None and p.ci_high is not None
                    else "–"
                ),
                change=readings.change_words(p),
            )
        )
    return rows


def check_rows(figures: TeamFigures) -> list[CheckRow]:
    template, hole = _url_maker("reviews:board")
    return [
        CheckRow(
            url=template.replace(hole, str(c.review_id)),
            title=c.title,
            held=day(c.on),
            median=f"{c.median:g}",
            answers=c.answers,
        )
        for c in figures.checks
    ]


def month_rows(figures: TeamFigures) -> list[tuple[str, int, int, int, int, int, int]]:
    return [
        (
            readings.month_name(m.start),
            m.marbles,
            m.reflections,
            m.by_leads,
            m.opened,
            m.done,
            m.worked,
        )
        for m in figures.months
    ]


def activity_rows(teams: list[TeamActivity]) -> SafeString:
    """The organization page's rows, one per team of the page, as HTML (escaped here).

    A hundred rows of six cells through the template's variable lookups cost
    more than the query that counts them. The team's name and link are
    escaped as the template would; the counts are integers, written as they
    are.
    """
    return mark_safe(  # noqa: S308 - the only text, name and link, is escaped
        "".join(
            f'<tr><th scope="row"><a href="{escape(t.url)}">{escape(t.name)}</a></th>'
            f"<td>{int(t.reviews)}</td><td>{int(t.opened)}</td><td>{int(t.done)}</td>"
            f"<td>{int(t.worked)}</td><td>{int(t.marbles)}</td></tr>"
            for t in teams
        )
    )


def check_rows_html(rows: list[CheckRow]) -> SafeString:
    """The safety checks' table body (a row per review: 52 over two years)."""
    return format_html_join(
        "",
        '<tr><th scope="row"><a href="{}">{}</a></th><td>{}</td><td>{}</td><td>{}</td></tr>',
        ((c.url, c.title, c.held, c.median, c.answers) for c in rows),
    )


def month_rows_html(rows: list[tuple]) -> SafeString:
    """The months' table body: the month's name and six counts."""
    return format_html_join(
        "",
        '<tr><th scope="row">{}</th><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>'
        "<td>{}</td></tr>",
        rows,
    )


def participation_rows_html(rows: list[PulseRow]) -> SafeString:
    """The participation table body: a row per pulse."""
    return format_html_join(
        "",
        '<tr><th scope="row">{}</th><td>{}</td><td>{}</td></tr>',
        ((p.title, p.closed, p.answered) for p in rows),
    )
