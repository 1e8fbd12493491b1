"""Charts as SVG drawn on the server: the geometry, with no Django and no client library.

Every chart of a page shares one :class:`TimeAxis`, so that a pulse, a
review's safety check and a month's marbles line up under one another. The
functions here only compute coordinates and shapes; templates draw them
(with a ``<title>``, and a table next to each chart for people who do not
read pictures), and the words that go with them are written elsewhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from html import escape

# The drawing's own units; CSS scales the SVG to the width it is given.
WIDTH = 720
HEIGHT = 200
LEFT = 44
RIGHT = 12
TOP = 12
BOTTOM = 28


def month_starts(first: date, last: date) -> list[date]:
    """The first day of every month from ``first``'s to ``last``'s, both included."""
    months = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        months.append(date(year, month, 1))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def next_month(day: date) -> date:
    return date(day.year + 1, 1, 1) if day.month == 12 else date(day.year, day.month + 1, 1)


@dataclass(frozen=True)
class Tick:
    x: float
    label: str


@dataclass(frozen=True)
class TimeAxis:
    """Calendar months from ``start`` (a first of a month) to ``end`` (excluded)."""

    start: date
    end: date
    width: int = WIDTH
    left: int = LEFT
    right: int = RIGHT

    @property
    def plot_width(self) -> float:
        return self.width - self.left - self.right

    def x(self, day: date) -> float:
        span = (self.end - self.start).days or 1
        offset = min(max((day - self.start).days, 0), span)
        return round(self.left + self.plot_width * offset / span, 1)

    def months(self) -> list[date]:
        return month_starts(self.start, self.end)[:-1] if self.end.day == 1 else []

    def band(self, month: date) -> tuple[float, float]:
        """Left edge and width of one month."""
        left = self.x(month)
        return left, round(self.x(next_month(month)) - left, 1)

    def ticks(self, labels: Sequence[str]) -> list[Tick]:
        """One label per month, in the middle of its band (``labels`` in month order)."""
        out = []
        for month, label in zip(self.months(), labels, strict=True):
            left, width = self.band(month)
            out.append(Tick(round(left + width / 2, 1), label))
        return out


@dataclass(frozen=True)
class ValueAxis:
    """Values from ``low`` to ``high``, bottom to top."""

    low: float
    high: float
    height: int = HEIGHT
    top: int = TOP
    bottom: int = BOTTOM

    @property
    def base(self) -> float:
        return float(self.height - self.bottom)

    def y(self, value: float) -> float:
        span = (self.high - self.low) or 1.0
        value = min(max(value, self.low), self.high)
        plot = self.height - self.top - self.bottom
        return round(self.height - self.bottom - plot * (value - self.low) / span, 1)

    def gridlines(self, step: float) -> list[tuple[float, str]]:
        """(y, label) every ``step`` from low to high."""
        out = []
        count = int(round((self.high - self.low) / step))
        for i in range(count + 1):
            value = self.low + i * step
            label = f"{value:g}" if step >= 1 else f"{value:.1f}"
            out.append((self.y(value), label))
        return out


def nice_ceiling(value: float) -> int:
    """A round top for a count axis, divisible by 4 so that its quarters are whole numbers:
    4, 8, 12, 16, 20, 40, 60, 80, 100, 200 … at or above ``value``."""
    if value <= 4:
        return 4
    power = 1
    while True:
        for step in (4, 8, 12, 16, 20):
            if step * power >= value:
                return step * power
        power *= 10


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    css: str = ""


@dataclass
class Point:
    x: float
    y: float
    low_y: float | None = None
    high_y: float | None = None
    css: str = ""


@dataclass
class Chart:
    """What a template needs to draw a chart: sizes, gridlines, ticks, shapes."""

    width: int
    height: int
    base: float
    left: int
    right_edge: float
    ticks: list[Tick]
    gridlines: list[tuple[float, str]]
    bars: list[Bar] = field(default_factory=list)
    points: list[Point] = field(default_factory=list)
    # The confidence band as one polygon, and the line through the points.
    band: str = ""
    line: str = ""

    @property
    def empty(self) -> bool:
        return not self.bars and not self.points


def _frame(time: TimeAxis, values: ValueAxis, labels: Sequence[str], step: float) -> Chart:
    return Chart(
        width=time.width,
        height=values.height,
        base=values.base,
        left=time.left,
        right_edge=float(time.width - time.right),
        ticks=time.ticks(labels),
        gridlines=values.gridlines(step),
    )


def bar_chart(
    time: TimeAxis,
    labels: Sequence[str],
    series: Sequence[Sequence[float]],
    *,
    stacked: bool = False,
    css: Sequence[str] = (),
) -> Chart:
    """Bars per month: one series, several side by side, or several stacked.

    ``series`` holds one list per series, one value per month of ``time``.
    """
    months = time.months()
    if stacked:
        top = max((sum(values) for values in zip(*series, strict=True)), default=0)
    else:
        top = max((max(values, default=0) for values in series), default=0)
    ceiling = nice_ceiling(top)
    values = ValueAxis(0, ceiling)
    chart = _frame(time, values, labels, ceiling // 4)
    count = len(series)
    for m, month in enumerate(months):
        left, width = time.band(month)
        inner = width * 0.7
        x0 = left + (width - inner) / 2
        below = 0.0
        for s, data in enumerate(series):
            value = data[m]
            name = css[s] if s < len(css) else f"series-{s}"
            if stacked:
                y_top, y_bottom = values.y(below + value), values.y(below)
                below += value
                bar = Bar(round(x0, 1), y_top, round(inner, 1), round(y_bottom - y_top, 1), name)
            else:
                each = inner / count
                y_top = values.y(value)
                bar = Bar(
                    round(x0 + s * each, 1),
                    y_top,
                    round(each - 1, 1),
                    round(values.base - y_top, 1),
                    name,
                )
            if bar.height > 0:
                chart.bars.append(bar)
    return chart


def point_chart(
    time: TimeAxis,
    labels: Sequence[str],
    points: Sequence[tuple[date, float, float | None, float | None]],
    *,
    low: float,
    high: float,
    step: float = 1,
) -> Chart:
    """Points in time with an optional interval each (``(day, value, low, high)``), joined by a
    line, and the intervals joined into one band."""
    values = ValueAxis(low, high)
    chart = _frame(time, values, labels, step)
    for day, value, ci_low, ci_high in points:
        chart.points.append(
            Point(
                time.x(day),
                values.y(value),
                None if ci_low is None else values.y(ci_low),
                None if ci_high is None else values.y(ci_high),
            )
        )
    chart.line = " ".join(f"{p.x},{p.y}" for p in chart.points)
    banded = [p for p in chart.points if p.low_y is not None and p.high_y is not None]
    if len(banded) >= 2:
        upper = [f"{p.x},{p.high_y}" for p in banded]
        lower = [f"{p.x},{p.low_y}" for p in reversed(banded)]
        chart.band = " ".join(upper + lower)
    return chart


@dataclass
class CategoryBar:
    x: float
    y: float
    width: float
    height: float
    middle: float
    count: int


def histogram(
    counts: Sequence[int], edges: Sequence[float]
) -> tuple[list[CategoryBar], list[Tick]]:
    """Bars side by side for ``counts`` (one per bin between consecutive ``edges``), and a tick
    at every whole-number edge."""
    values = ValueAxis(0, nice_ceiling(max(counts, default=0)))
    plot = WIDTH - LEFT - RIGHT
    low, high = edges[0], edges[-1]

    def x(edge: float) -> float:
        return round(LEFT + plot * (edge - low) / ((high - low) or 1), 1)

    bars = []
    for count, a, b in zip(counts, edges, edges[1:], strict=False):
        y = values.y(count)
        bars.append(
            CategoryBar(
                x(a) + 1,
                y,
                round(x(b) - x(a) - 2, 1),
                round(values.base - y, 1),
                round((x(a) + x(b)) / 2, 1),
                count,
            )
        )
    ticks = [Tick(x(e), f"{e:g}") for e in edges if float(e).is_integer()]
    return bars, ticks


def svg(chart: Chart, *, element_id: str, title: str) -> str:
    """The chart as SVG markup (``title`` read aloud and shown on hover), or "" when empty.

    Written here rather than in a template: a two-year chart has hundreds of
    shapes, and a template filter per attribute costs more than the rest of
    the page. Every text is escaped; every number is formatted here.
    """
    if chart.empty:
        return ""
    out = [
        f'<svg class="chart" viewBox="0 0 {chart.width} {chart.height}" role="img" '
        f'aria-labelledby="{escape(element_id)}-title" focusable="false">',
        f'<title id="{escape(element_id)}-title">{escape(title)}</title>',
    ]
    # Every other line is "minor": a phone, where the drawing is small, hides them.
    many = len(chart.gridlines) > 4
    for i, (y, label) in enumerate(chart.gridlines):
        minor = " minor" if many and i % 2 == 1 and i != len(chart.gridlines) - 1 else ""
        out.append(
            f'<line class="chart-grid{minor}" x1="{chart.left}" x2="{chart.right_edge:.1f}" '
            f'y1="{y:.1f}" y2="{y:.1f}"/><text class="chart-axis{minor}" x="{chart.left - 6}" '
            f'y="{y:.1f}" text-anchor="end" dominant-baseline="middle">{escape(label)}</text>'
        )
    if chart.band:
        out.append(f'<polygon class="chart-band" points="{chart.band}"/>')
    for b in chart.bars:
        out.append(
            f'<rect class="chart-bar bar-{escape(b.css)}" x="{b.x:.1f}" y="{b.y:.1f}" '
            f'width="{b.width:.1f}" height="{b.height:.1f}"/>'
        )
    if len(chart.points) > 1:
        out.append(f'<polyline class="chart-line" points="{chart.line}"/>')
    for p in chart.points:
        if p.low_y is not None and p.high_y is not None:
            out.append(
                f'<line class="chart-whisker" x1="{p.x:.1f}" x2="{p.x:.1f}" '
                f'y1="{p.low_y:.1f}" y2="{p.high_y:.1f}"/>'
            )
        out.append(f'<circle class="chart-point" cx="{p.x:.1f}" cy="{p.y:.1f}" r="4"/>')
    for t in chart.ticks:
        if t.label:
            out.append(
                f'<text class="chart-axis" x="{t.x:.1f}" y="{chart.height - 8}" '
                f'text-anchor="middle">{escape(t.label)}</text>'
            )
    out.append("</svg>")
    return "".join(out)
