"""Where the marbles sit in the jar drawing (plain Python, no Django).

Marbles are packed in a hexagonal pattern from the bottom of the jar up,
with a small fixed wobble so that the jar looks filled by hand. Positions
depend only on a marble's place in the count, so a new marble never moves
the ones already there: the page redraws the jar on every drop and only the
newest marble moves.
"""

from __future__ import annotations

from dataclasses import dataclass

RADIUS = 9.0
LEFT, RIGHT = 32.0, 188.0  # inside of the glass
BOTTOM, TOP = 259.0, 84.0  # centre of the lowest and highest rows
PITCH_X = 2 * RADIUS + 1.0
PITCH_Y = 16.5
TONES = 6


@dataclass(frozen=True, slots=True)
class Spot:
    x: float
    y: float
    tone: int
    new: bool = False


def _wobble(i: int, salt: int) -> float:
    """A fixed offset in [-1.5, 1.5] for marble ``i`` (a small integer hash)."""
    h = (i * 2654435761 + salt * 40503) & 0xFFFFFFFF
    return ((h % 1000) / 1000 - 0.5) * 3.0


def _slots() -> list[tuple[float, float]]:
    slots: list[tuple[float, float]] = []
    row = 0
    y = BOTTOM
    while y >= TOP:
        x = LEFT + RADIUS + (PITCH_X / 2 if row % 2 else 0.0)
        while x <= RIGHT - RADIUS:
            slots.append((x, y))
            x += PITCH_X
        row += 1
        y -= PITCH_Y
    return slots


SLOTS = _slots()
CAPACITY = len(SLOTS)


def jar_spots(total: int, *, newest_is_new: bool = False) -> tuple[list[Spot], int]:
    """The marbles to draw in the current jar, and how many jars are already full.

    When a jar fills up the team starts another: the drawing shows the jar
    being filled and, beside it, how many full ones came before.
    """
    if total <= 0:
        return [], 0
    full = (total - 1) // CAPACITY
    in_jar = total - full * CAPACITY
    spots = []
    for i in range(in_jar):
        x, y = SLOTS[i]
        n = full * CAPACITY + i
        spots.append(
            Spot(
                x=round(x + _wobble(n, 1), 1),
                y=round(y + _wobble(n, 2) / 2, 1),
                tone=(n * 7 + n // 5) % TONES,
                new=newest_is_new and i == in_jar - 1,
            )
        )
    return spots, full
