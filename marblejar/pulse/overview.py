"""The organization's pulse overview: each team's newest published result, and the whole.

Reads stored aggregates only, with the same rule as every other page: a team
is shown only when its pulse reached its own minimum group size
(:attr:`PulseResult.is_shown`), and the organization's figure pools the
shown teams only.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.http import Http404
from django.utils.translation import ngettext

from marblejar.lib.dates import day
from marblejar.pulse import explain, stats
from marblejar.pulse.instruments import builtin_instruments
from marblejar.pulse.models import PulseResult
from marblejar.teams.models import Team


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


def instrument_scale(instrument_slug: str) -> tuple[int, int]:
    """The answer scale of a built-in instrument (Http404 for any other)."""
    instrument = _builtin_instruments().get(instrument_slug)
    if instrument is None:
        raise Http404
    return instrument.scale.bounds


# Each team's newest published result of one instrument in one organization, and
# the rule of :attr:`PulseResult.is_shown`. Both reads below use them, so every
# page that shows or pools results across teams applies the same rule.
_LATEST = (
    f"FROM {PulseResult._meta.db_table} "
    # "is_latest = %s", not "AND is_latest": only an equality lets the index seek.
    "WHERE organization_id = %s AND instrument_slug = %s AND is_latest = %s"
)
_SHOWN = "counted >= min_group_size"


def latest_results(*, organization_id: int, instrument_slug: str) -> list[tuple]:
    """(team, n, mean, sd, shown) of each team's newest published result: one indexed read.

    ``shown`` is the rule of :attr:`PulseResult.is_shown` (who counted
    reached the pulse's own minimum). Every page that shows or pools these
    results across teams reads them here, so that all apply the same rule.
    """
    # Plain cursor reads: 6,000 rows through model field converters would
    # cost more than the whole page may (see bench/pulse_org.py).
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT team_id, n, mean, sd, {_SHOWN} {_LATEST}",  # noqa: S608
            [organization_id, instrument_slug, True],
        )
        return cursor.fetchall()


def shown_latest_results(*, organization_id: int, instrument_slug: str) -> list[tuple]:
    """(n, mean, sd) of the shown rows of :func:`latest_results` only, in no order.

    For pages that pool or spread the shown teams' scores without naming
    teams (organization insights): the same rows, the same rule, a third of
    the values to read.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT n, mean, sd {_LATEST} AND {_SHOWN}",  # noqa: S608
            [organization_id, instrument_slug, True],
        )
        return cursor.fetchall()


def latest_results_count_sql() -> str:
    """SQL counting every team's newest result (shown or not); parameters as :func:`latest_results`.

    For a page that reads the shown ones with :func:`shown_latest_results`
    and must still say how many are hidden, inside a query of its own.
    """
    return f"SELECT COUNT(*) {_LATEST}"  # noqa: S608


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
    results = latest_results(organization_id=organization_id, instrument_slug=instrument_slug)
    with connection.cursor() as cursor:
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
        total = stats.pooled_mean([r[1:4] for r in shown_results])
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
