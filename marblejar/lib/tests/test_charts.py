"""The charts' geometry and markup: one time axis, whole-number count axes, escaped text."""

from __future__ import annotations

from datetime import date

from marblejar.lib import charts


def test_one_time_axis_places_months_and_days_in_order():
    axis = charts.TimeAxis(date(2026, 6, 1), date(2027, 1, 1))
    assert axis.months() == [date(2026, m, 1) for m in range(6, 13)]
    xs = [axis.x(date(2026, m, 15)) for m in range(6, 13)]
    assert xs == sorted(xs) and xs[0] > axis.left and xs[-1] < axis.width - axis.right
    # A point in a month falls inside that month's band.
    left, width = axis.band(date(2026, 9, 1))
    assert left <= axis.x(date(2026, 9, 20)) <= left + width


def test_count_axes_are_cut_in_whole_numbers():
    for top in (0, 3, 5, 9, 13, 17, 45, 99, 150, 900):
        ceiling = charts.nice_ceiling(top)
        assert ceiling >= top and ceiling % 4 == 0


def test_bars_stack_to_the_total_and_empty_months_draw_nothing():
    axis = charts.TimeAxis(date(2026, 1, 1), date(2026, 4, 1))
    chart = charts.bar_chart(axis, ["J", "F", "M"], [[1, 0, 2], [3, 0, 2]], stacked=True)
    assert len(chart.bars) == 4  # February is empty
    january = [b for b in chart.bars if b.x < axis.x(date(2026, 2, 1))]
    assert round(sum(b.height for b in january), 1) == round(
        chart.base - min(b.y for b in january), 1
    )


def test_the_markup_escapes_every_text_and_is_empty_without_data():
    axis = charts.TimeAxis(date(2026, 1, 1), date(2026, 3, 1))
    chart = charts.point_chart(
        axis, ["<b>", "F"], [(date(2026, 1, 10), 4.0, 3.5, 4.5)], low=1, high=7
    )
    markup = charts.svg(chart, element_id="c", title="Rose & <fell>")
    assert "Rose &amp; &lt;fell&gt;" in markup and "&lt;b&gt;" in markup and "<b>" not in markup
    assert 'role="img"' in markup and 'aria-labelledby="c-title"' in markup
    empty = charts.point_chart(axis, ["J", "F"], [], low=1, high=7)
    assert charts.svg(empty, element_id="e", title="t") == ""
