"""The board's vocabulary: its live parts and the events that refresh them.

Defined once, here, and read everywhere else: the services say which part
changed with :data:`UPDATE_KINDS`, the stream's renderers are registered for
:data:`EVENT_KINDS`, the ``{% part_attrs %}`` tag writes each part's element
(its id, its URL and the events it reloads on, as the htmx SSE extension's
``hx-trigger="sse:review_<kind>"``), and the section view and the builders
look parts up in :data:`PARTS`. ``board.js`` names no event at all.

Plain Python with no Django import, so that the lowest service layer can
import it without a cycle.
"""

from __future__ import annotations

from dataclasses import dataclass

# Phases, by their values in ``models.Phase`` (kept as strings here so that
# this module imports nothing).
SCHEDULED, CHECKIN, FOLLOWUP, GO_FIRST, REFLECT = (
    "scheduled",
    "checkin",
    "followup",
    "go_first",
    "reflect",
)
GROUP, VOTE, DISCUSS, ACTIONS, CLOSED = "group", "vote", "discuss", "actions", "closed"
ALL_PHASES = frozenset(
    {SCHEDULED, CHECKIN, FOLLOWUP, GO_FIRST, REFLECT, GROUP, VOTE, DISCUSS, ACTIONS, CLOSED}
)
OPEN_PHASES = ALL_PHASES - {CLOSED}

# What a service may say changed: each becomes the event ``review_<kind>``.
UPDATE_KINDS: tuple[str, ...] = (
    "notes",
    "safety",
    "followup",
    "themes",
    "votes",
    "discussion",
    "actions",
    "schedule",  # when it closes
    "timer",  # the facilitator's phase timer
    "progress",  # how many are done writing (counts only)
    "spotlight",  # the theme everyone is discussing
)
# Every event on a review's stream: the phase moving on, someone arriving,
# and the updates above.
EVENT_KINDS: tuple[str, ...] = ("phase", "presence", *UPDATE_KINDS)


@dataclass(frozen=True)
class Part:
    """One region of the board that reloads itself over HTTP.

    ``refresh_on`` are the event kinds (without ``review_``) that make it
    reload; ``phases`` those in which the board shows it (a reload asked for
    in another phase answers empty, and the phase's own reload follows);
    ``delay`` lets several signals in a burst cost one reload.
    """

    name: str
    refresh_on: tuple[str, ...]
    phases: frozenset[str] = ALL_PHASES
    delay_ms: int = 200
    css_class: str = ""
    # What the section view renders for it; by default its partial in _parts.html.
    template: str = ""

    @property
    def template_name(self) -> str:
        return self.template or f"reviews/_parts.html#{self.name}_inner"

    @property
    def element_id(self) -> str:
        return f"part-{self.name}"


_PARTS = (
    # The page's frame: the phase region and the one-line meta.
    Part(
        "phase",
        ("phase",),
        delay_ms=0,
        css_class="review-phase",
        template="reviews/_phase_inner.html",
    ),
    Part(
        "meta", ("phase", "schedule"), css_class="review-meta", template="reviews/_meta_inner.html"
    ),
    Part(
        "presence",
        ("presence", "phase"),
        delay_ms=300,
        css_class="presence",
        template="reviews/_presence_inner.html",
    ),
    # The facilitator's bar: the phase timer and how many are done writing.
    Part("timer", ("timer", "progress", "phase"), phases=OPEN_PHASES - {SCHEDULED}),
    # Inside the phases.
    Part("columns", ("notes",), phases=frozenset({GO_FIRST, REFLECT, CLOSED})),
    Part(
        "safety",
        ("safety", "presence"),
        phases=frozenset({SCHEDULED, CHECKIN, FOLLOWUP}),
        delay_ms=400,
    ),
    Part("followup", ("followup",), phases=frozenset({FOLLOWUP})),
    Part("groups", ("themes", "notes"), phases=frozenset({GROUP}), css_class="board-grid"),
    # Someone else's vote changes nothing this reader sees (votes are
    # counted only when voting ends), so only new themes reload it.
    Part("votes", ("themes",), phases=frozenset({VOTE})),
    Part("theme", ("discussion", "spotlight"), phases=frozenset({DISCUSS, ACTIONS, CLOSED})),
    Part("actions", ("actions",), phases=frozenset({DISCUSS, ACTIONS, CLOSED})),
    Part("timeline", ("notes", "themes"), phases=ALL_PHASES),
)
PARTS: dict[str, Part] = {part.name: part for part in _PARTS}
# The parts inside the phase region, which the section view serves one by one.
PHASE_PARTS: tuple[str, ...] = tuple(
    p.name for p in _PARTS if p.name not in ("phase", "meta", "presence")
)


def parts_in(phase: str) -> list[Part]:
    """The parts the board shows in ``phase``."""
    return [part for part in _PARTS if phase in part.phases]
