"""The stretch of time insights look at: whole calendar months, ending with this one.

A period of six months (two quarters, the default) on 14 December is
1 June to 31 December: the six whole months before this one, and this one
so far, so that the first days of a month never hide the months before.
Months are counted in the site's time zone, so that a marble dropped late
on the last evening of a month counts in that month.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, tzinfo

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from marblejar.lib.charts import month_starts, next_month

DEFAULT_MONTHS = 6
# The choices offered, in months, with their names.
PERIODS = {
    3: _("3 months"),
    6: _("6 months (two quarters)"),
    12: _("12 months"),
    24: _("24 months"),
}


@dataclass(frozen=True)
class Period:
    months: int
    # The first day of the first month, and the first day after the last month.
    start: date
    end: date

    @property
    def since(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.start, time.min))

    @property
    def until(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.end, time.min))

    def month_list(self) -> list[date]:
        return month_starts(self.start, self.end)[:-1]

    def quarters(self) -> list[tuple[int, int, date, date]]:
        """(year, quarter, first day, first day after) of each calendar quarter the period
        touches, oldest first, cut to the period."""
        out = []
        seen = set()
        for month in self.month_list():
            q = (month.month - 1) // 3 + 1
            if (month.year, q) in seen:
                continue
            seen.add((month.year, q))
            first = date(month.year, 3 * (q - 1) + 1, 1)
            after = next_month(next_month(next_month(first)))
            out.append((month.year, q, max(first, self.start), min(after, self.end)))
        return out


def period_of(months: int | str | None, *, today: date | None = None) -> Period:
    """The period of ``months`` months ending with this month (an unknown choice: the default)."""
    try:
        count = int(months or DEFAULT_MONTHS)
    except (TypeError, ValueError):
        count = DEFAULT_MONTHS
    if count not in PERIODS:
        count = DEFAULT_MONTHS
    today = today or timezone.localdate()
    end = next_month(today.replace(day=1))
    year, month = end.year, end.month - count - 1
    while month < 1:
        year, month = year - 1, month + 12
    return Period(months=count, start=date(year, month, 1), end=end)


def month_of(moment: datetime | date, zone: tzinfo | None = None) -> date:
    """The first day of the month ``moment`` falls in, in the site's time zone.

    Pass ``zone`` (``timezone.get_current_timezone()``) when calling it for
    many rows: looking the zone up costs more than the conversion.
    """
    if isinstance(moment, datetime):
        if moment.tzinfo is not None:
            moment = moment.astimezone(zone or timezone.get_current_timezone())
        moment = moment.date()
    return moment.replace(day=1)
