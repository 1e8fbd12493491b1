"""Sentences about a pulse that several surfaces share (pages, live updates, the API)."""

from __future__ import annotations

from django.utils.translation import ngettext


def participation_sentence(count: int, *, still_open: bool) -> str:
    """How many people answered, never who; "so far" only while answers are still taken."""
    if still_open:
        return ngettext(
            "%(n)d person has answered so far.", "%(n)d people have answered so far.", count
        ) % {"n": count}
    return ngettext("%(n)d person answered.", "%(n)d people answered.", count) % {"n": count}


#: The team card's trend line: its drawing box, in SVG user units.
TREND_WIDTH = 160
TREND_HEIGHT = 48
_PAD = 4


def trend_points(
    history: list[tuple[str, float]], *, low: float, high: float
) -> dict[str, object] | None:
    """Where the team card's trend line goes: one point per shown score, oldest first.

    The vertical axis spans the scores with a point of the scale to spare on
    each side (within the scale's ``low`` and ``high``): a change of half a
    point is visible, and a wobble of a tenth still looks small. ``None`` for
    fewer than two scores.
    """
    if len(history) < 2:
        return None
    means = [mean for _day, mean in history]
    bottom, top = max(low, min(means) - 1), min(high, max(means) + 1)
    step = (TREND_WIDTH - 2 * _PAD) / (len(history) - 1)
    height = TREND_HEIGHT - 2 * _PAD

    def y(mean: float) -> float:
        return _PAD + height * (1 - (mean - bottom) / (top - bottom))

    points = [(round(_PAD + i * step, 1), round(y(mean), 1)) for i, mean in enumerate(means)]
    return {
        "width": TREND_WIDTH,
        "height": TREND_HEIGHT,
        "polyline": " ".join(f"{x},{yy}" for x, yy in points),
        "points": [
            {"x": x, "y": yy, "day": d, "mean": mean}
            for (x, yy), (d, mean) in zip(points, history, strict=True)
        ],
    }
