"""Review templates and the safety check, read from data files.

Built-in templates live in ``formats.toml`` next to this module; a team's
own templates are :class:`~marblejar.reviews.models.ReviewTemplate` rows in
the same shape. The safety check is the pulse surveys' ``safety_check``
instrument; a copy of its scale is kept here for a deployment without it.
"""

from __future__ import annotations

import functools
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

HERE = Path(__file__).resolve().parent
KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")

# The built-in templates' words, for the translation catalogue (the TOML
# file holds the English source; :func:`builtin_formats` translates them).
_CATALOGUE = (
    gettext_noop("Went well · Puzzled us · Try next"),
    gettext_noop("Went well"),
    gettext_noop("Puzzled us"),
    gettext_noop("Try next"),
    gettext_noop("Start · Stop · Continue"),
    gettext_noop("Start"),
    gettext_noop("Stop"),
    gettext_noop("Continue"),
    gettext_noop("4Ls: Liked · Learned · Lacked · Longed for"),
    gettext_noop("Liked"),
    gettext_noop("Learned"),
    gettext_noop("Lacked"),
    gettext_noop("Longed for"),
    gettext_noop("Incident debrief"),
    gettext_noop("What surprised us"),
    gettext_noop("Contributing factors"),
    gettext_noop("What helped"),
    gettext_noop("Project review"),
    gettext_noop("What we set out to do"),
    gettext_noop("What worked"),
    gettext_noop("What was harder than expected"),
    gettext_noop("Next time"),
)

SAFER_COLUMN = "safer"


@dataclass(frozen=True)
class Format:
    key: str
    kind: str
    name: str
    columns: tuple[dict[str, str], ...]
    timeline: bool = False


@functools.cache
def _raw_formats() -> list[dict[str, Any]]:
    with (HERE / "formats.toml").open("rb") as fh:
        return tomllib.load(fh)["formats"]


def builtin_formats() -> dict[str, Format]:
    """The built-in templates by key, with their words translated."""
    result = {}
    for raw in _raw_formats():
        columns = tuple(
            {"key": c["key"], "title": _(c["title"]), "prompt": _(c["prompt"])}
            for c in raw["columns"]
        )
        result[raw["key"]] = Format(
            key=raw["key"],
            kind=raw["kind"],
            name=_(raw["name"]),
            columns=columns,
            timeline=bool(raw.get("timeline", False)),
        )
    return result


def safer_column() -> dict[str, str]:
    return {
        "key": SAFER_COLUMN,
        "title": _("What would make this safer?"),
        "prompt": _("What would help you say more here? Anything goes, and it is anonymous."),
    }


def parse_columns(text: str) -> list[dict[str, str]]:
    """Columns from lines of ``Title: prompt`` (the prompt is optional).

    Raises ValueError with a readable message when there are none or too many.
    """
    columns: list[dict[str, str]] = []
    keys: set[str] = set()
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        title, _sep, prompt = line.partition(":")
        title = title.strip()[:60]
        if not title:
            continue
        base = re.sub(r"[^a-z0-9]+", "_", title.lower()).strip("_")[:30] or "column"
        if not base[0].isalpha():
            base = f"c_{base}"[:30]
        key, n = base, 2
        while key in keys or key == SAFER_COLUMN:
            key, n = f"{base}_{n}", n + 1
        keys.add(key)
        columns.append({"key": key, "title": title, "prompt": prompt.strip()[:200]})
    if not columns:
        raise ValueError(_("Give at least one column, one per line."))
    if len(columns) > 8:
        raise ValueError(_("Keep it to eight columns or fewer."))
    return columns


@dataclass(frozen=True)
class SafetyScale:
    question: str
    labels: tuple[str, ...]  # levels 1..5

    @property
    def levels(self) -> list[tuple[int, str]]:
        return list(enumerate(self.labels, start=1))


# The built-in copy, used when the pulse instruments are not installed.
_SAFETY_FALLBACK = (
    gettext_noop("How much do you feel able to say in this review?"),
    (
        gettext_noop("I won't say anything that matters here."),
        gettext_noop("I'll mostly listen and let others raise the issues."),
        gettext_noop("I'll say some things, but the hard ones will stay unsaid."),
        gettext_noop("I'll say almost anything; one or two things may be hard."),
        gettext_noop("I can talk about anything."),
    ),
)


def safety_scale() -> SafetyScale:
    """The review safety check: one question, five described levels."""
    try:
        from marblejar.pulse.instruments import load_instrument

        instrument = load_instrument("safety_check")
        if instrument.scale.points == 5 and instrument.items:
            return SafetyScale(
                question=_(instrument.items[0].text),
                labels=tuple(_(label) for label in instrument.scale.labels),
            )
    except Exception:  # noqa: BLE001, S110  (any problem: use the built-in copy)
        pass
    question, labels = _SAFETY_FALLBACK
    return SafetyScale(question=_(question), labels=tuple(_(label) for label in labels))


DEFAULT_INTENT = gettext_noop(
    "We are here to learn, not to judge. We believe that everyone did the best "
    "they could with what they knew, the time they had and the tools at hand. "
    "We look for what made a decision make sense at the time, not for someone "
    "to blame, and we ask questions only to understand."
)
