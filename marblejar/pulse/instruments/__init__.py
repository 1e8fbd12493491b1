"""Survey instruments as data: the items and answer scale of each pulse survey.

Each built-in instrument is a TOML file next to this module, read with the
standard library's ``tomllib``. Custom instruments use the same format and are
checked by the same validation (:func:`load_instrument_file`).

Format::

    slug = "psychological_safety"        # must equal the file name
    name = "Psychological safety"
    description = "..."
    reference = "..."                    # where the construct comes from
    [scale]
    min = 1
    max = 7
    labels = ["Strongly disagree", ...]  # one label per point, min to max
    [[items]]
    key = "mistakes"                     # unique, lower-case identifier
    facet = "..."                        # the facet it measures, named in the direction
                                         # of the score (also for a reverse-worded item)
    text = "..."                         # what the respondent reads
    reverse = true                       # higher agreement = less of the construct
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SLUG = re.compile(r"^[a-z][a-z0-9_]*$")


class InstrumentError(ValueError):
    """An instrument file is missing, unreadable or does not follow the format."""


@dataclass(frozen=True)
class Scale:
    """The answer options: whole numbers from ``min`` to ``max``, each with a label."""

    min: int
    max: int
    labels: tuple[str, ...]

    @property
    def points(self) -> int:
        return self.max - self.min + 1

    @property
    def bounds(self) -> tuple[int, int]:
        return (self.min, self.max)

    def label(self, value: int) -> str:
        if not self.min <= value <= self.max:
            raise ValueError(f"{value} is not on the scale {self.min}-{self.max}")
        return self.labels[value - self.min]


@dataclass(frozen=True)
class Item:
    key: str
    text: str
    facet: str
    reverse: bool


@dataclass(frozen=True)
class Instrument:
    slug: str
    name: str
    description: str
    reference: str
    scale: Scale
    items: tuple[Item, ...]

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(item.key for item in self.items)

    @property
    def reverse_keyed(self) -> tuple[bool, ...]:
        """One flag per item, in order, as ``stats.score_items(reverse=...)`` takes it."""
        return tuple(item.reverse for item in self.items)


def _text(data: dict[str, Any], key: str, where: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise InstrumentError(f"{where}: '{key}' must be a non-empty string")
    return value.strip()


def _parse(data: dict[str, Any], where: str) -> Instrument:
    slug = _text(data, "slug", where)
    if not SLUG.match(slug):
        raise InstrumentError(f"{where}: slug {slug!r} must be lower-case letters, digits, _")
    scale_data = data.get("scale")
    if not isinstance(scale_data, dict):
        raise InstrumentError(f"{where}: a [scale] table is required")
    low, high = scale_data.get("min"), scale_data.get("max")
    # bool is an int in Python; a scale of true..false is a typo, not a scale.
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (low, high)):
        raise InstrumentError(f"{where}: scale min and max must be whole numbers")
    assert isinstance(low, int) and isinstance(high, int)
    if low >= high:
        raise InstrumentError(f"{where}: scale min ({low}) must be below max ({high})")
    labels = scale_data.get("labels")
    if (
        not isinstance(labels, list)
        or len(labels) != high - low + 1
        or not all(isinstance(label, str) and label.strip() for label in labels)
    ):
        raise InstrumentError(
            f"{where}: scale needs exactly {high - low + 1} non-empty labels, one per point"
        )
    raw_items = data.get("items")
    if not isinstance(raw_items, list) or not raw_items:
        raise InstrumentError(f"{where}: at least one [[items]] entry is required")
    items: list[Item] = []
    for number, raw in enumerate(raw_items, start=1):
        item_where = f"{where}, item {number}"
        if not isinstance(raw, dict):
            raise InstrumentError(f"{item_where}: must be a table")
        key = _text(raw, "key", item_where)
        if not SLUG.match(key):
            raise InstrumentError(
                f"{item_where}: key {key!r} must be lower-case letters, digits, _"
            )
        if key in {item.key for item in items}:
            raise InstrumentError(f"{item_where}: key {key!r} is used twice")
        reverse = raw.get("reverse", False)
        if not isinstance(reverse, bool):
            raise InstrumentError(f"{item_where}: 'reverse' must be true or false")
        items.append(
            Item(
                key=key,
                text=_text(raw, "text", item_where),
                facet=_text(raw, "facet", item_where),
                reverse=reverse,
            )
        )
    return Instrument(
        slug=slug,
        name=_text(data, "name", where),
        description=_text(data, "description", where),
        reference=str(data.get("reference", "")).strip(),
        scale=Scale(low, high, tuple(label.strip() for label in labels)),
        items=tuple(items),
    )


def load_instrument_file(path: Path | str) -> Instrument:
    """Read and validate one instrument file; ``InstrumentError`` says what is wrong."""
    path = Path(path)
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError as exc:
        raise InstrumentError(f"{path.name}: no such instrument file") from exc
    except tomllib.TOMLDecodeError as exc:
        raise InstrumentError(f"{path.name}: not valid TOML ({exc})") from exc
    instrument = _parse(data, path.name)
    if instrument.slug != path.stem:
        raise InstrumentError(
            f"{path.name}: slug {instrument.slug!r} must match the file name {path.stem!r}"
        )
    return instrument


def load_instrument(slug: str) -> Instrument:
    """The built-in instrument ``slug`` (e.g. ``"psychological_safety"``)."""
    if not SLUG.match(slug):
        raise InstrumentError(f"no built-in instrument {slug!r}")
    path = HERE / f"{slug}.toml"
    if not path.is_file():
        raise InstrumentError(f"no built-in instrument {slug!r}")
    return load_instrument_file(path)


def builtin_instruments() -> dict[str, Instrument]:
    """Every built-in instrument by slug, in file-name order."""
    return {path.stem: load_instrument_file(path) for path in sorted(HERE.glob("*.toml"))}
