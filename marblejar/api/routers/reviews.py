"""Learning reviews over the API: reviews, phases, notes, themes, votes, questions,
findings and actions.

The same services and selectors as the web pages answer, so the same
promises hold: before the reveal a note's text is returned to its author
only, and nobody's author is returned for an anonymous note.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from marblejar.api.routers.actions import router as actions_router
from marblejar.api.schemas import Error, Flag, Id, IdPath, Int, SlugPath, Text, When
from marblejar.reviews import selectors, services
from marblejar.reviews.models import Note, Phase, Question, Review
from marblejar.teams import selectors as team_selectors

router = Router(tags=["reviews"])
ERRORS = {400: Error, 401: Error, 403: Error, 404: Error, 422: Error}


class ColumnOut(Schema):
    key: str
    title: str
    prompt: str = ""
    note_count: int | None = Field(
        description="Notes in this column. In a review with anonymous notes, only once they "
        "are revealed: watched as people write, a column's count would say who wrote in it."
    )


class GoFirstOut(Schema):
    author: str | None
    part: str
    revisit: str


class TimelineEventOut(Schema):
    id: int
    happened_at: datetime
    what: str
    source: str


class ReviewOut(Schema):
    id: int
    team: str
    kind: str
    title: str
    purpose: str
    agenda: str
    intent: str = Field(description="The team's statement of good intent, shown with the review")
    template: str
    mode: str
    anonymous: bool
    votes_per_person: int
    facilitator: str | None
    phase: str
    scheduled_for: datetime | None
    open_until: datetime | None = Field(
        description="An asynchronous review closes on its own at this time"
    )
    closed_at: datetime | None
    closed_by_clock: bool = Field(description="It closed on its own at its open-until time")
    columns: list[ColumnOut]
    note_total: int = Field(description="Notes written so far, in all columns and the timeline.")
    go_first: GoFirstOut | None
    timeline: list[TimelineEventOut]
    safety_counts: dict[str, int] | None = Field(
        description="Answers per level, once the histogram may be shown; else null"
    )


class ReviewIn(Schema):
    title: Text = Field(max_length=120)
    purpose: Text = Field(max_length=3000)
    agenda: Text = Field(max_length=3000)
    template: Text = Field(
        default="builtin:went_well",
        description="builtin:went_well, builtin:start_stop_continue, builtin:four_ls, "
        "builtin:incident, builtin:project, or team:<id> for a team's own",
    )
    mode: Text = "live"
    anonymous: Flag = False
    votes_per_person: Int = 3
    scheduled_for: When | None = None
    open_until: When | None = None


class ReviewPatch(Schema):
    open_until: When | None = Field(
        default=None,
        description="When an asynchronous review closes: extend it, or bring it forward "
        "(a time in the future). Without a time zone, the site's.",
    )


class AdvanceIn(Schema):
    expected: Text | None = Field(
        default=None, description="The phase you saw; refused if the review has moved on"
    )


class ValueIn(Schema):
    value: Int


class GoFirstIn(Schema):
    part: Text
    revisit: Text


class NoteOut(Schema):
    id: UUID
    column: str
    timeline_event: int | None
    text: str
    author: str | None
    theme: int | None
    mine: bool


class NoteIn(Schema):
    text: Text
    column: Text = ""
    timeline_event: Int | None = None


class NotePatch(Schema):
    text: Text | None = None
    theme: Id | None = Field(default=None, description="Group: the theme's id")
    ungroup: Flag = False


class ThemeOut(Schema):
    id: int
    title: str
    vote_count: int | None = Field(description="Only once the vote phase has ended")
    my_votes: int | None = Field(description="Your votes on it, during the vote phase")


class ThemeIn(Schema):
    title: Text


class VotesLeft(Schema):
    votes_left: int


class QuestionOut(Schema):
    id: int
    theme: int
    text: str
    intent: str
    asked_by: str | None
    answer: str
    answered_by: str | None


class QuestionIn(Schema):
    text: Text
    intent: Text = Field(description="I am asking because… (required)")


class QuestionAnswerIn(Schema):
    answer: Text


class FindingOut(Schema):
    id: int
    theme: int
    kind: str
    text: str
    author: str | None


class FindingIn(Schema):
    kind: Text = Field(description="discussion, finding or factor")
    text: Text


class TimelineEventIn(Schema):
    happened_at: When
    what: Text
    source: Text = ""


def _name(user: Any) -> str | None:
    return user.display_name if user else None


def review_out(review: Review, user: Any, counts: dict[str, int] | None = None) -> dict[str, Any]:
    """One review as the API shows it; ``counts`` when the caller read them for many at once."""
    from marblejar.reviews.formats import safety_scale

    if counts is None:
        counts = selectors.note_counts(review=review)
    go_first = review.go_first if hasattr_go_first(review) else None
    result = selectors.safety_result(review=review, labels=safety_scale().labels)
    return {
        "id": review.pk,
        "team": review.team.slug,
        "kind": review.kind,
        "title": review.title,
        "purpose": review.purpose,
        "agenda": review.agenda,
        "intent": review.intent,
        "template": review.template_name,
        "mode": review.mode,
        "anonymous": review.anonymous,
        "votes_per_person": review.votes_per_person,
        "facilitator": _name(review.facilitator),
        "phase": review.phase,
        "scheduled_for": review.scheduled_for,
        "open_until": review.open_until,
        "closed_at": review.closed_at,
        "closed_by_clock": review.closed_by_clock,
        "columns": [
            {
                **c,
                "prompt": c.get("prompt", ""),
                "note_count": counts.get(c["key"], 0)
                if review.is_revealed or not review.anonymous
                else None,
            }
            for c in review.columns
        ],
        "note_total": sum(counts.values()),
        "go_first": (
            {"author": _name(go_first.author), "part": go_first.part, "revisit": go_first.revisit}
            if go_first
            else None
        ),
        "timeline": [
            {"id": e.pk, "happened_at": e.happened_at, "what": e.what, "source": e.source}
            # Prefetched by the list (ordered by time, as the model says).
            for e in review.timeline_events.all()
        ],
        "safety_counts": (
            {str(level): n for level, _label, n in result.counts} if result.shown else None
        ),
    }


def hasattr_go_first(review: Review) -> bool:
    from marblejar.reviews.models import GoFirst

    try:
        return review.go_first is not None
    except GoFirst.DoesNotExist:
        return False


def note_out(note: Note, mine: set[Any]) -> dict[str, Any]:
    return {
        "id": note.pk,
        "column": note.column,
        "timeline_event": note.timeline_event_id,
        "text": note.text,
        "author": _name(note.author) if note.review.is_revealed else None,
        "theme": note.theme_id,
        "mine": note.pk in mine,
    }


def question_out(q: Question) -> dict[str, Any]:
    return {
        "id": q.pk,
        "theme": q.theme_id,
        "text": q.text,
        "intent": q.intent,
        "asked_by": _name(q.asked_by),
        "answer": q.answer,
        "answered_by": _name(q.answered_by),
    }


def _mine(user: Any, review: Review) -> set[Any]:
    if review.is_closed and review.anonymous:
        return set()
    return set(selectors.my_notes(user=user, review=review).values_list("pk", flat=True))


# Reviews and phases --------------------------------------------------------------------


@router.get(
    "/teams/{slug}/reviews", response={200: list[ReviewOut], **ERRORS}, summary="A team's reviews"
)
def review_list(request: HttpRequest, slug: SlugPath):
    team = team_selectors.team_get(user=request.user, slug=slug)
    services.review_catch_up(team=team)  # before the list is read
    reviews = list(
        selectors.review_list_for_team(user=request.user, team=team)
        .select_related("team", "go_first__author")
        .prefetch_related("timeline_events")
    )
    counts = selectors.note_counts_for_reviews(reviews=reviews)
    return [review_out(r, request.user, counts[r.pk]) for r in reviews]


@router.post(
    "/teams/{slug}/reviews",
    response={201: ReviewOut, **ERRORS},
    summary="Schedule a review (a purpose and an agenda are required)",
)
def review_create(request: HttpRequest, slug: SlugPath, data: ReviewIn):
    team = team_selectors.team_get(user=request.user, slug=slug)
    review = services.review_schedule(actor=request.user, team=team, **data.dict())
    return Status(201, review_out(review, request.user))


@router.get("/reviews/{review_id}", response={200: ReviewOut, **ERRORS}, summary="One review")
def review_detail(request: HttpRequest, review_id: IdPath):
    return review_out(services.review_current(user=request.user, review_id=review_id), request.user)


@router.patch(
    "/reviews/{review_id}",
    response={200: ReviewOut, **ERRORS},
    summary="Change when an asynchronous review closes (facilitator or lead)",
)
def review_update(request: HttpRequest, review_id: IdPath, data: ReviewPatch):
    review = services.review_current(user=request.user, review_id=review_id)
    services.review_set_open_until(actor=request.user, review=review, open_until=data.open_until)
    return review_out(review, request.user)


@router.post(
    "/reviews/{review_id}/advance",
    response={200: ReviewOut, **ERRORS},
    summary="Move on to the next phase (facilitator or lead)",
)
def review_advance(request: HttpRequest, review_id: IdPath, data: AdvanceIn):
    review = services.review_current(user=request.user, review_id=review_id)
    services.review_advance_phase(actor=request.user, review=review, expected=data.expected)
    return review_out(review, request.user)


@router.post(
    "/reviews/{review_id}/safety",
    response={204: None, **ERRORS},
    summary="Answer the safety check (1-5; only counts are kept)",
)
def review_safety(request: HttpRequest, review_id: IdPath, data: ValueIn):
    review = services.review_current(user=request.user, review_id=review_id)
    services.safety_vote(actor=request.user, review=review, value=data.value)
    return Status(204, None)


@router.put(
    "/reviews/{review_id}/go-first",
    response={200: GoFirstOut, **ERRORS},
    summary="Go first: the facilitator's or a lead's own part",
)
def review_go_first(request: HttpRequest, review_id: IdPath, data: GoFirstIn):
    review = services.review_current(user=request.user, review_id=review_id)
    go_first = services.go_first_write(actor=request.user, review=review, **data.dict())
    return {"author": _name(go_first.author), "part": go_first.part, "revisit": go_first.revisit}


@router.post(
    "/reviews/{review_id}/timeline",
    response={201: TimelineEventOut, **ERRORS},
    summary="Add an event to an incident's timeline",
)
def timeline_add(request: HttpRequest, review_id: IdPath, data: TimelineEventIn):
    review = services.review_current(user=request.user, review_id=review_id)
    e = services.timeline_event_add(actor=request.user, review=review, **data.dict())
    return Status(
        201, {"id": e.pk, "happened_at": e.happened_at, "what": e.what, "source": e.source}
    )


# Notes ------------------------------------------------------------------------------


@router.get(
    "/reviews/{review_id}/notes",
    response={200: list[NoteOut], **ERRORS},
    summary="Notes you may read: your own, and everyone's after the reveal",
)
def note_list(request: HttpRequest, review_id: IdPath):
    review = services.review_current(user=request.user, review_id=review_id)
    mine = _mine(request.user, review)
    notes = list(selectors.notes_visible_to(user=request.user, review=review))
    for n in notes:
        n.review = review
    return [note_out(n, mine) for n in notes]


@router.post(
    "/reviews/{review_id}/notes", response={201: NoteOut, **ERRORS}, summary="Write a note"
)
def note_add(request: HttpRequest, review_id: IdPath, data: NoteIn):
    review = services.review_current(user=request.user, review_id=review_id)
    event = None
    if data.timeline_event is not None:
        event = selectors.timeline(review=review).filter(pk=data.timeline_event).first()
        if event is None:
            raise ValidationError({"timeline_event": [_("Choose an event of this review.")]})
    note = services.note_add(
        actor=request.user, review=review, text=data.text, column=data.column, timeline_event=event
    )
    return Status(201, note_out(note, {note.pk}))


@router.patch(
    "/reviews/{review_id}/notes/{note_id}",
    response={200: NoteOut, **ERRORS},
    summary="Edit your note, or group a revealed note into a theme",
)
def note_update(request: HttpRequest, review_id: IdPath, note_id: UUID, data: NotePatch):
    review = services.review_current(user=request.user, review_id=review_id)
    note = selectors.note_get(user=request.user, review=review, note_id=note_id)
    if data.text is not None:
        services.note_update(actor=request.user, note=note, text=data.text)
    if data.theme is not None or data.ungroup:
        theme = None if data.ungroup else selectors.theme_get(review=review, theme_id=data.theme)
        services.note_move(actor=request.user, note=note, theme=theme)
    return note_out(note, _mine(request.user, review))


@router.delete(
    "/reviews/{review_id}/notes/{note_id}",
    response={204: None, **ERRORS},
    summary="Delete your note (before the reveal)",
)
def note_delete(request: HttpRequest, review_id: IdPath, note_id: UUID):
    review = services.review_current(user=request.user, review_id=review_id)
    note = selectors.note_get(user=request.user, review=review, note_id=note_id)
    services.note_delete(actor=request.user, note=note)
    return Status(204, None)


# Themes and votes ------------------------------------------------------------------------


@router.get(
    "/reviews/{review_id}/themes", response={200: list[ThemeOut], **ERRORS}, summary="Themes"
)
def theme_list(request: HttpRequest, review_id: IdPath):
    review = services.review_current(user=request.user, review_id=review_id)
    counted = review.phase_reached(Phase.DISCUSS)
    mine = (
        selectors.my_votes(user=request.user, review=review) if review.phase == Phase.VOTE else {}
    )
    themes = (
        selectors.themes_in_vote_order(review=review)
        if counted
        else selectors.themes(review=review)
    )
    return [
        {
            "id": t.pk,
            "title": t.title,
            "vote_count": t.vote_count if counted else None,
            "my_votes": mine.get(t.pk, 0) if review.phase == Phase.VOTE else None,
        }
        for t in themes
    ]


@router.post(
    "/reviews/{review_id}/themes", response={201: ThemeOut, **ERRORS}, summary="Add a theme"
)
def theme_add(request: HttpRequest, review_id: IdPath, data: ThemeIn):
    review = services.review_current(user=request.user, review_id=review_id)
    theme = services.theme_create(actor=request.user, review=review, title=data.title)
    return Status(201, {"id": theme.pk, "title": theme.title, "vote_count": None, "my_votes": None})


@router.post(
    "/reviews/{review_id}/themes/{theme_id}/votes",
    response={201: VotesLeft, **ERRORS},
    summary="Put one of your votes on a theme",
)
def vote_cast(request: HttpRequest, review_id: IdPath, theme_id: IdPath):
    review = services.review_current(user=request.user, review_id=review_id)
    theme = selectors.theme_get(review=review, theme_id=theme_id)
    theme.review = review
    return Status(201, {"votes_left": services.vote_cast(actor=request.user, theme=theme)})


@router.delete(
    "/reviews/{review_id}/themes/{theme_id}/votes",
    response={200: VotesLeft, **ERRORS},
    summary="Take one of your votes back",
)
def vote_withdraw(request: HttpRequest, review_id: IdPath, theme_id: IdPath):
    review = services.review_current(user=request.user, review_id=review_id)
    theme = selectors.theme_get(review=review, theme_id=theme_id)
    theme.review = review
    return {"votes_left": services.vote_withdraw(actor=request.user, theme=theme)}


# Discussion ------------------------------------------------------------------------------


@router.get(
    "/reviews/{review_id}/questions",
    response={200: list[QuestionOut], **ERRORS},
    summary="Questions",
)
def question_list(request: HttpRequest, review_id: IdPath):
    review = services.review_current(user=request.user, review_id=review_id)
    return [question_out(q) for q in selectors.questions(review=review)]


@router.post(
    "/reviews/{review_id}/themes/{theme_id}/questions",
    response={201: QuestionOut, **ERRORS},
    summary="Ask a question, with its intent",
)
def question_add(request: HttpRequest, review_id: IdPath, theme_id: IdPath, data: QuestionIn):
    review = services.review_current(user=request.user, review_id=review_id)
    theme = selectors.theme_get(review=review, theme_id=theme_id)
    theme.review = review
    question = services.question_ask(actor=request.user, theme=theme, **data.dict())
    return Status(201, question_out(question))


@router.post(
    "/reviews/{review_id}/questions/{question_id}/answer",
    response={200: QuestionOut, **ERRORS},
    summary="Answer a question",
)
def question_answer(
    request: HttpRequest, review_id: IdPath, question_id: IdPath, data: QuestionAnswerIn
):
    review = services.review_current(user=request.user, review_id=review_id)
    question = selectors.question_get(review=review, question_id=question_id)
    question.review = review
    services.question_answer(actor=request.user, question=question, answer=data.answer)
    return question_out(question)


@router.get(
    "/reviews/{review_id}/findings", response={200: list[FindingOut], **ERRORS}, summary="Findings"
)
def finding_list(request: HttpRequest, review_id: IdPath):
    review = services.review_current(user=request.user, review_id=review_id)
    return [
        {"id": f.pk, "theme": f.theme_id, "kind": f.kind, "text": f.text, "author": _name(f.author)}
        for f in selectors.findings(review=review)
    ]


@router.post(
    "/reviews/{review_id}/themes/{theme_id}/findings",
    response={201: FindingOut, **ERRORS},
    summary="Note a discussion point, a finding or a contributing factor",
)
def finding_add(request: HttpRequest, review_id: IdPath, theme_id: IdPath, data: FindingIn):
    review = services.review_current(user=request.user, review_id=review_id)
    theme = selectors.theme_get(review=review, theme_id=theme_id)
    theme.review = review
    f = services.finding_add(actor=request.user, theme=theme, kind=data.kind, text=data.text)
    return Status(
        201,
        {
            "id": f.pk,
            "theme": f.theme_id,
            "kind": f.kind,
            "text": f.text,
            "author": _name(f.author),
        },
    )


# Actions -----------------------------------------------------------------------------------
# The improvement actions' endpoints (a review's, a team's, one action's) live in
# their own module and are mounted here, under the same tag and prefix.

router.add_router("", actions_router)
