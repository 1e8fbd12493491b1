"""What each part of the board shows one reader: one builder per part.

The board page is the frame (:func:`frame_context`) plus the builders of the
parts its phase shows (:func:`phase_context`); a part's reload builds the
frame and that part alone (:func:`part_context`), so a signal that only the
votes changed costs the votes' queries and no more. The names of the parts
are in :mod:`marblejar.reviews.parts`.

Every builder reads through the selectors, which decide what this reader may
see, and costs a fixed number of queries however many notes, themes or
people the review holds (``tests/test_board_queries.py`` pins them).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.http import HttpRequest
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from marblejar import permissions
from marblejar.lib.prepared import PreparedRead
from marblejar.reviews import fragments, selectors, selectors_actions, services
from marblejar.reviews.formats import safety_scale
from marblejar.reviews.forms import (
    ActionForm,
    AnswerForm,
    DiscussForm,
    GoFirstForm,
    NoteForm,
    OpenUntilForm,
    ThemeForm,
    TimelineEventForm,
)
from marblejar.reviews.models import (
    PHASE_ORDER,
    ActionStatus,
    Finding,
    GoFirst,
    Kind,
    Mode,
    Note,
    Phase,
    Question,
    Review,
)
from marblejar.reviews.parts import PARTS, parts_in
from marblejar.reviews.templatetags.board_parts import vote_cards
from marblejar.teams import selectors as team_selectors

Context = dict[str, Any]
Builder = Callable[[HttpRequest, Review, Context], Context]


def _names_only(*relations: str) -> list[str]:
    """For ``defer()``: every column of the people joined through ``relations`` but their name.

    A card or a finding shows its author's display name and nothing else of
    them; their other columns (the password hash among them) need not be
    read, sent or turned into objects for each card.
    """
    return [
        f"{relation}__{field.name}"
        for relation in relations
        for field in get_user_model()._meta.concrete_fields
        if field.name not in ("id", "display_name")
    ]


@dataclass(slots=True)
class Person:
    display_name: str


@dataclass(slots=True)
class Card:
    """A note as ``{% group_cards %}`` draws it, with what :func:`_decorate` adds."""

    pk: Any
    column: str
    text: str
    theme_id: int | None
    author_id: Any
    author: Person | None
    column_label: str = ""
    column_index: int = 0
    column_marker: str = ""
    mine: bool = False


# A column's colour and marker, by its place in the review (never colour alone).
MARKERS = ("●", "▲", "■", "◆", "★", "✚")


# The frame ----------------------------------------------------------------------


def frame_context(
    request: HttpRequest, review: Review, forms: dict[str, Any] | None = None
) -> Context:
    """What every part needs: the review, the reader's rights, the phase, the version."""
    user = request.user
    present = request.GET.get("present") == "1"
    can_participate = permissions.can(user, "review.participate", review) and not present
    phase = review.phase
    return {
        "review": review,
        "team": review.team,
        "phase": phase,
        "forms": forms or {},
        "parts": PARTS,
        "present": present,
        "can_participate": can_participate,
        "can_facilitate": permissions.can(user, "review.facilitate", review) and not present,
        "can_go_first": permissions.can(user, "review.go_first", review) and not present,
        "is_incident": review.kind == Kind.INCIDENT,
        # The newest event this rendering reflects: a signal the browser gets
        # for an older or equal id (its own change, say) needs no reload.
        "version": version_of(request, review),
        "columns_meta": columns_meta(review),
    }


def read_version_first(request: HttpRequest, review_id: int) -> None:
    """Note the review's newest event id before anything of the review is read."""
    request.review_version = selectors.review_last_event_id(review_id=review_id)  # type: ignore[attr-defined]


def version_of(request: HttpRequest, review: Review) -> int:
    """The newest event this rendering reflects: read with the review, or before it."""
    version = getattr(request, "review_version", None)
    if version is None:
        version = getattr(review, "version", None)
    if version is None:
        version = selectors.review_last_event_id(review=review)
    return version


def columns_meta(review: Review) -> list[dict[str, Any]]:
    """The review's columns, each with its place, colour index and marker."""
    return [
        {
            "key": c["key"],
            "title": c["title"],
            "prompt": c.get("prompt", ""),
            "index": i % len(MARKERS),
            "marker": MARKERS[i % len(MARKERS)],
        }
        for i, c in enumerate(review.columns)
    ]


def _steps(review: Review) -> list[dict[str, Any]]:
    return [
        {
            "key": key,
            "label": Phase(key).label,
            "current": key == review.phase,
            "done": PHASE_ORDER.index(key) < review.phase_index,
        }
        for key in PHASE_ORDER[1:]
    ]


def _decorate(
    notes: list[Note] | list[Card], review: Review, columns: list[dict[str, Any]], mine: set[Any]
) -> None:
    """Give each note what its card shows: its column's title, colour and marker; is it mine."""
    by_key = {c["key"]: c for c in columns}
    for note in notes:
        column = by_key.get(note.column)
        note.column_label = column["title"] if column else note.column
        note.column_index = column["index"] if column else 0
        note.column_marker = column["marker"] if column else ""
        note.mine = note.pk in mine


def _mine(user: Any, review: Review, visible: list[Note] | list[Card]) -> set[Any]:
    """Which of the notes ``user`` sees are their own.

    Before the reveal a reader sees only their own notes, so that needs no
    query of its own.
    """
    if not review.is_revealed:
        return {note.pk for note in visible}
    return _my_note_ids(user, review)


def _my_note_ids(user: Any, review: Review) -> set[Any]:
    if not review.is_started or (review.is_closed and review.anonymous):
        return set()
    return set(selectors.my_notes(user=user, review=review).values_list("pk", flat=True))


_GO_FIRST = PreparedRead(
    "go_first",
    lambda organization_id, review_id: (
        GoFirst.objects.filter(organization_id=organization_id, review_id=review_id)
        .select_related("author")
        .defer(*_names_only("author"))
    ),
    organization_id=-7_000_001,
    review_id=-7_000_002,
)


def _go_first(review: Review) -> GoFirst | None:
    """The facilitator's own part, with its author's name (one query, compiled once)."""
    return _GO_FIRST.first(organization_id=review.organization_id, review_id=review.pk)


# One builder per part --------------------------------------------------------------


def build_meta(request: HttpRequest, review: Review, ctx: Context) -> Context:
    return {}


def build_presence(request: HttpRequest, review: Review, ctx: Context) -> Context:
    if review.anonymous and review.is_writing:
        present = selectors.participants_present(review=review)
        return {"show_presence": False, "present_count": present.count()}
    return {"show_presence": True, "present_people": selectors.present_names(review=review)}


TIMER_CHOICES = (1, 2, 3, 5, 10, 15, 20, 30)


def build_timer(request: HttpRequest, review: Review, ctx: Context) -> Context:
    """The phase timer (no query) and, while notes are written, how many are done (one)."""
    seconds = review.timer_seconds_left()
    return {
        "timer_seconds": seconds,
        "timer_paused": review.timer_paused,
        "timer_clock": f"{seconds // 60}:{seconds % 60:02d}" if seconds is not None else "",
        "timer_choices": TIMER_CHOICES,
        # The phase region has read it already, with the reader's own answer.
        "progress": ctx.get("progress") or selectors.writing_progress(review=review)
        if review.is_writing
        else None,
    }


def build_safety(request: HttpRequest, review: Review, ctx: Context) -> Context:
    scale = safety_scale()
    result = services.safety_check_result(review=review, labels=scale.labels, user=request.user)
    return {"safety": {"scale": scale, "result": result}}


def build_followup(request: HttpRequest, review: Review, ctx: Context) -> Context:
    return {
        "followup": list(selectors.open_actions_from_earlier(review=review)),
        "statuses": ActionStatus.choices,
        "action_checks": selectors_actions.action_checks_for_review(review=review),
    }


def _cards(user: Any, review: Review) -> list[Card]:
    """The notes in the columns ``user`` may read, as cards.

    A card shows its text, column, theme and author's name: read as plain
    values, not as a note and a person object for each of the cards.
    """
    return [
        Card(pk, column, text, theme_id, author_id, Person(name) if author_id else None)
        for pk, column, text, theme_id, author_id, name in selectors.note_cards_visible_to(
            user=user, review=review
        )
    ]


def build_columns(request: HttpRequest, review: Review, ctx: Context) -> Context:
    """The columns while notes are written (each reader's own) and once the review is closed."""
    forms = ctx["forms"]
    notes = _cards(request.user, review)
    _decorate(notes, review, ctx["columns_meta"], _mine(request.user, review, notes))
    counts = selectors.note_counts(review=review)
    by_column: dict[str, list[Card]] = {}
    for note in notes:
        by_column.setdefault(note.column, []).append(note)
    columns = []
    for c in ctx["columns_meta"]:
        form = forms.get(f"note-{c['key']}") or NoteForm(auto_id=f"note-{c['key']}-%s")
        form.fields["text"].label = _("Your note: %(column)s") % {"column": c["title"]}
        columns.append(
            {
                **c,
                "count": counts.get(c["key"], 0),
                "notes": by_column.get(c["key"], []),
                "form": form,
            }
        )
    return {"columns": columns, "timeline_count": counts.get("timeline", 0)}


def build_groups(request: HttpRequest, review: Review, ctx: Context) -> Context:
    """The group phase: the notes still in their columns, and the themes as stacks beside them."""
    themes = selectors.themes_list(review=review)
    notes = _cards(request.user, review)
    _decorate(notes, review, ctx["columns_meta"], set())
    by_theme: dict[int, list[Card]] = {}
    by_column: dict[str, list[Card]] = {}
    for note in notes:
        if note.theme_id is None:
            by_column.setdefault(note.column, []).append(note)
        else:
            by_theme.setdefault(note.theme_id, []).append(note)
    earlier = selectors_actions.similar_earlier_themes_for_review(review=review, themes=themes)
    return {
        "group_columns": [{**c, "notes": by_column.get(c["key"], [])} for c in ctx["columns_meta"]],
        "themes": [
            {"theme": t, "notes": by_theme.get(t.pk, []), "earlier": earlier.get(t.pk, [])}
            for t in themes
        ],
        "theme_choices": themes,
        "ungrouped_count": sum(len(v) for v in by_column.values()),
    }


def build_votes(request: HttpRequest, review: Review, ctx: Context) -> Context:
    """Every theme with its cards, and this reader's own votes.

    The cards are the same for every reader: written once per version of
    the review and kept (:mod:`marblejar.reviews.fragments`), so that a
    reload reads only the themes with the reader's votes (one query) and
    not every card again.
    """
    key = fragments.key(fragments.VOTE_CARDS, review, ctx, request.user)
    cards = fragments.get(key)
    themes = selectors.themes_with_my_votes_list(user=request.user, review=review)
    if cards is None:
        by_theme: dict[int, list[Card]] = {}
        notes = []
        for theme_id, column, text in selectors.themed_note_values(review=review):
            note = Card(None, column, text, theme_id, None, None)
            notes.append(note)
            by_theme.setdefault(theme_id, []).append(note)
        _decorate(notes, review, ctx["columns_meta"], set())
        cards = {t.pk: str(vote_cards(by_theme.get(t.pk, []))) for t in themes}
        fragments.put(key, cards)
    mine = {t.pk: t.my_votes for t in themes if t.my_votes}
    left = review.votes_per_person - sum(mine.values())
    return {
        "vote_themes": [
            {
                "theme": t,
                "cards": mark_safe(cards.get(t.pk, "")),  # noqa: S308 (written by vote_cards)
                "mine": mine.get(t.pk, 0),
                "dots": range(mine.get(t.pk, 0)),
            }
            for t in themes
        ],
        "votes_left": max(left, 0),
        "votes_used": sum(mine.values()),
    }


def _theme_notes(organization_id: int, theme_ids: list[Any]) -> Any:
    return (
        Note.objects.filter(organization_id=organization_id, theme_id__in=theme_ids)
        .select_related("author")
        .defer(*_names_only("author"))
        .order_by("column", "text")
    )


def _theme_findings(organization_id: int, review_id: int, theme_ids: list[Any]) -> Any:
    return (
        Finding.objects.filter(organization_id=organization_id, review_id=review_id)
        .select_related("author")
        .filter(theme_id__in=theme_ids)
        .defer(*_names_only("author"))
    )


def _theme_questions(organization_id: int, review_id: int, theme_ids: list[Any]) -> Any:
    return (
        Question.objects.filter(organization_id=organization_id, review_id=review_id)
        .select_related("asked_by", "answered_by")
        .filter(theme_id__in=theme_ids)
        .defer(*_names_only("asked_by", "answered_by"))
    )


_ONE_THEME = {"organization_id": -7_000_001, "theme_id": -7_000_004}
_SPOTLIGHT_NOTES = PreparedRead(
    "spotlight_notes",
    lambda organization_id, theme_id: _theme_notes(organization_id, [theme_id]),
    **_ONE_THEME,
)
_SPOTLIGHT_FINDINGS = PreparedRead(
    "spotlight_findings",
    lambda organization_id, review_id, theme_id: _theme_findings(
        organization_id, review_id, [theme_id]
    ),
    **_ONE_THEME,
    review_id=-7_000_002,
)
_SPOTLIGHT_QUESTIONS = PreparedRead(
    "spotlight_questions",
    lambda organization_id, review_id, theme_id: _theme_questions(
        organization_id, review_id, [theme_id]
    ),
    **_ONE_THEME,
    review_id=-7_000_002,
)


def build_theme(request: HttpRequest, review: Review, ctx: Context) -> Context:
    """The discussion: every theme in vote order, the spotlighted one with all it holds.

    The board shows the other themes by title only, so only the spotlighted
    theme's cards, questions and findings are read; the summary asks for
    all of them (``whole_discussion``). Four queries either way.
    """
    forms = ctx["forms"]
    themes = selectors.themes_in_vote_order_list(review=review)
    ids = [t.pk for t in themes]
    spotlight_id = review.spotlight_id if review.spotlight_id in ids else (ids[0] if ids else None)
    if ctx.get("whole_discussion"):
        org, wanted = review.organization_id, ids
        notes = list(_theme_notes(org, wanted))
        findings = list(_theme_findings(org, review.pk, wanted))
        questions = list(_theme_questions(org, review.pk, wanted))
    else:  # the board: the spotlighted theme's, read through SQL compiled once
        one = {"organization_id": review.organization_id, "theme_id": spotlight_id or 0}
        notes = _SPOTLIGHT_NOTES.all(**one)
        findings = _SPOTLIGHT_FINDINGS.all(**one, review_id=review.pk)
        questions = _SPOTLIGHT_QUESTIONS.all(**one, review_id=review.pk)
    _decorate(notes, review, ctx["columns_meta"], set())
    items = []
    for t in themes:
        items.append(
            {
                "theme": t,
                "notes": [n for n in notes if n.theme_id == t.pk],
                "findings": [f for f in findings if f.theme_id == t.pk],
                "factors": [f for f in findings if f.theme_id == t.pk and f.kind == "factor"],
                "questions": [
                    {
                        "question": q,
                        "form": forms.get(f"answer-{q.pk}")
                        or AnswerForm(auto_id=f"answer-{q.pk}-%s"),
                    }
                    for q in questions
                    if q.theme_id == t.pk
                ],
                "spotlight": t.pk == spotlight_id,
            }
        )
    current = next((i for i in items if i["spotlight"]), None)
    position = items.index(current) + 1 if current else 0
    return {
        "discussion": items,
        "item": current,
        "spotlight_position": position,
        "next_theme": items[position]["theme"] if current and position < len(items) else None,
        # What the board shows of the spotlighted theme outside this part (the
        # composer's title), kept with the part's HTML.
        "theme_extras": {
            "item": {"theme": {"pk": current["theme"].pk, "title": current["theme"].title}}
            if current
            else None
        },
    }


def build_actions(request: HttpRequest, review: Review, ctx: Context) -> Context:
    """The review's actions (the form to add one belongs to the phase, not to this part)."""
    return {"actions": selectors.actions_for_review_list(review=review)}


def build_timeline(request: HttpRequest, review: Review, ctx: Context) -> Context:
    if not review.timeline:
        return {"timeline": None}
    forms = ctx["forms"]
    events = list(selectors.timeline(review=review))
    visible = list(
        selectors.notes_visible_to(user=request.user, review=review).filter(
            timeline_event__isnull=False
        )
    )
    mine = _mine(request.user, review, visible)
    by_event: dict[int, list[Note]] = {}
    for note in visible:
        note.mine = note.pk in mine
        by_event.setdefault(note.timeline_event_id, []).append(note)
    sense_form = forms.get("sense") or NoteForm(auto_id="sense-%s")
    sense_form.fields["text"].label = _("What I knew, and why it made sense")
    return {
        "timeline": [{"event": e, "notes": by_event.get(e.pk, [])} for e in events],
        "timeline_form": forms.get("timeline") or TimelineEventForm(auto_id="timeline-%s"),
        "sense_form": sense_form,
        "sense_event": sense_form.data.get("timeline_event", "") if sense_form.data else "",
        "timeline_count": selectors.note_counts(review=review).get("timeline", 0)
        if not review.is_revealed
        else 0,
    }


BUILDERS: dict[str, Builder] = {
    "meta": build_meta,
    "presence": build_presence,
    "timer": build_timer,
    "safety": build_safety,
    "followup": build_followup,
    "columns": build_columns,
    "groups": build_groups,
    "votes": build_votes,
    "theme": build_theme,
    "actions": build_actions,
    "timeline": build_timeline,
}
assert set(BUILDERS) | {"phase"} == set(PARTS), "every part of the board has one builder"


# Putting parts together -----------------------------------------------------------------


def part_context(request: HttpRequest, review: Review, name: str) -> Context | None:
    """The frame and one part, or None when the review's phase does not show that part."""
    part = PARTS[name]
    if review.phase not in part.phases:
        return None
    ctx = frame_context(request, review)
    _build(request, review, ctx, name)
    return ctx


def _build(request: HttpRequest, review: Review, ctx: Context, name: str) -> None:
    """Add part ``name`` to ``ctx``: its kept rendering if there is one, else what it shows.

    A part kept whole (:data:`fragments.KEPT`) is found by its key before
    anything of it is read; ``{% part_inner %}`` draws it, and keeps what it
    drew under ``ctx["part_keys"][name]``.
    """
    key = fragments.key(name, review, ctx, request.user) if name in fragments.KEPT else None
    kept = fragments.get(key)
    if kept is not None:
        html, extras = kept
        ctx.setdefault("kept_parts", {})[name] = html
        ctx.update(extras)
        return
    ctx.update(BUILDERS[name](request, review, ctx))
    if key is not None:
        ctx.setdefault("part_keys", {})[name] = key


def phase_context(
    request: HttpRequest, review: Review, forms: dict[str, Any] | None = None
) -> Context:
    """The phase region: the frame, the phase's own forms, and every part the phase shows."""
    ctx = frame_context(request, review, forms)
    forms = ctx["forms"]
    ctx["steps"] = _steps(review)
    ctx["next_phase"] = Phase(review.next_phase).label if review.next_phase else None
    # Shown while notes are written (the summary reads it on its own).
    ctx["go_first"] = _go_first(review) if review.is_writing else None
    if review.is_writing:
        ctx["progress"] = selectors.writing_progress(review=review, user=request.user)
        ctx["i_am_done"] = bool(ctx["progress"]["mine"])
        go_first = ctx["go_first"]
        ctx["go_first_form"] = forms.get("go_first") or GoFirstForm(
            initial={"part": go_first.part, "revisit": go_first.revisit} if go_first else None,
            auto_id="go-first-%s",
        )
    if review.phase == Phase.GROUP:
        ctx["theme_form"] = forms.get("theme") or ThemeForm(auto_id="theme-%s")
    if review.phase == Phase.DISCUSS:
        # The composer beside the spotlighted theme (not a part of it).
        ctx["discuss_form"] = forms.get("discuss") or DiscussForm(auto_id="discuss-%s")
    if review.phase in (Phase.DISCUSS, Phase.ACTIONS) and ctx["can_participate"]:
        people = list(
            team_selectors.team_members(team=review.team).values_list(
                "user_id", "user__display_name"
            )
        )
        ctx["action_form"] = forms.get("action") or ActionForm(people=people, auto_id="action-%s")
    for part in parts_in(review.phase):
        if part.name in ("phase", "meta", "presence"):
            continue
        _build(request, review, ctx, part.name)
    return ctx


def page_context(
    request: HttpRequest, review: Review, forms: dict[str, Any] | None = None
) -> Context:
    """The whole board page: the phase region, who is here, and the facilitator's extras."""
    ctx = phase_context(request, review, forms)
    ctx.update(build_presence(request, review, ctx))
    ctx["open_until_form"] = _open_until_form(request.user, review, ctx["forms"])
    ctx["last_event_id"] = ctx["version"]
    return ctx


def _open_until_form(user: Any, review: Review, forms: dict[str, Any]) -> OpenUntilForm | None:
    """The facilitator's form to change when an asynchronous review closes, or None."""
    if "open_until" in forms:
        return forms["open_until"]
    if review.mode != Mode.ASYNC or review.is_closed:
        return None
    if not permissions.can(user, "review.reschedule", review):
        return None
    return OpenUntilForm(initial={"open_until": review.open_until}, auto_id="open-until-%s")


def summary_context(request: HttpRequest, review: Review) -> Context:
    """The summary: every note, theme, question, finding and action this reader may see.

    Built from the same part builders whatever the phase; what the reader
    may see is still decided by the selectors (their own notes only, before
    the reveal).
    """
    ctx = frame_context(request, review)
    ctx["go_first"] = _go_first(review)
    ctx["whole_discussion"] = True
    for name in ("columns", "theme", "actions", "timeline"):
        ctx.update(BUILDERS[name](request, review, ctx))
    if review.timeline:
        # An incident as a story in order of time: each event with what made
        # sense to people then; and what contributed, factor cards first.
        ctx["narrative"] = sorted(
            ctx.get("timeline") or [], key=lambda t: (t["event"].happened_at, t["event"].pk)
        )
        ctx["factors"] = [
            f.text for item in ctx.get("discussion") or [] for f in item["factors"]
        ] + [
            n.text
            for column in ctx.get("columns") or []
            if column["key"] == "factors"
            for n in column["notes"]
        ]
    return ctx
