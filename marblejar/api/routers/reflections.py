"""Reflections and their responses (comments, offers of help, reactions), practice and updates."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from marblejar.accounts.models import User
from marblejar.api.schemas import (
    NO_NUL,
    SLUG_OR_EMPTY,
    Day,
    Error,
    Flag,
    Id,
    IdPath,
    Int,
    Slug,
    Text,
)
from marblejar.reflections import selectors, services
from marblejar.reflections.models import Comment, PracticeEntry, ReactionKind, Reflection
from marblejar.teams.selectors import team_get

router = Router(tags=["reflections"])

ERRORS = {400: Error, 401: Error, 403: Error, 404: Error, 422: Error}
KindIn = Literal["mistake", "lesson", "learning", "help"]


class ReflectionIn(Schema):
    team: Slug | None = Field(
        default=None, description="Team slug; null shares it with the whole organization."
    )
    kind: KindIn
    title: Text = ""
    body: Text = Field(default="", description="Markdown. For a lesson, learning or ask for help.")
    what_happened: Text = Field(default="", description="Markdown. For a mistake.")
    correction: Text = Field(default="", description="Markdown. What I did to correct it.")
    learned: Text = ""
    next_try: Text = ""
    skill: Text = Field(default="", description="For a learning in progress.")
    tags: list[Text] = Field(default_factory=list)
    publish: Flag = Field(default=False, description="false keeps it as a draft only you see.")


class ReflectionPatch(Schema):
    title: Text | None = None
    body: Text | None = None
    what_happened: Text | None = None
    correction: Text | None = None
    learned: Text | None = None
    next_try: Text | None = None
    skill: Text | None = None
    tags: list[Text] | None = None
    publish: Flag = False


class ReflectionOut(Schema):
    id: int
    url: str
    team: str | None = Field(description="Team slug, or null for the whole organization.")
    kind: str
    status: str
    title: str
    body: str
    what_happened: str
    correction: str
    learned: str
    next_try: str
    skill: str
    author: str = Field(description="The author's display name.")
    by_lead: bool = Field(description="Written by a lead of the team: leaders go first.")
    update_of: int | None
    tags: list[str]
    created_at: datetime
    published_at: datetime | None

    @staticmethod
    def resolve_url(obj: Reflection) -> str:
        return obj.get_absolute_url()

    @staticmethod
    def resolve_team(obj: Reflection) -> str | None:
        return obj.team.slug if obj.team else None

    @staticmethod
    def resolve_author(obj: Reflection) -> str:
        return obj.author.display_name

    @staticmethod
    def resolve_update_of(obj: Reflection) -> int | None:
        return obj.parent_id

    @staticmethod
    def resolve_tags(obj: Reflection) -> list[str]:
        return [t.name for t in obj.tags.all()]


class CommentIn(Schema):
    body: Text = Field(description="Markdown.")
    offers_help: Flag = False


class CommentOut(Schema):
    id: int
    author: str
    body: str
    offers_help: bool
    hidden: bool
    created_at: datetime

    @staticmethod
    def resolve_author(obj: Comment) -> str:
        return obj.author.display_name

    @staticmethod
    def resolve_hidden(obj: Comment) -> bool:
        return obj.is_hidden


class HideIn(Schema):
    hidden: Flag = True


class ReportIn(Schema):
    text: Text = ""
    share_text: Flag = Field(default=False, description="Let the whole team read the text.")


class ReportOut(Schema):
    visible_on: date = Field(
        description="The day the report reaches the team's leads: the reports of a day are "
        "released together once it is over, so that their time says nothing."
    )


class ReactionOut(Schema):
    kind: str
    label: str
    count: int = Field(description="How often this reflection received this reaction.")
    mine: bool


class PracticeIn(Schema):
    practised_on: Day
    minutes: Int
    hard: Text = ""


class PracticeOut(Schema):
    id: int
    practised_on: date
    minutes: int
    hard: str


class UpdateIn(Schema):
    body: Text


class SendIn(Schema):
    recipient_id: Id
    note: Text = ""


def practice_out(p: PracticeEntry) -> dict[str, Any]:
    return {"id": p.pk, "practised_on": p.practised_on, "minutes": p.minutes, "hard": p.hard}


@router.get(
    "/reflections",
    response={200: list[ReflectionOut], **ERRORS},
    summary="Published reflections I can read (filter by team, kind, tag)",
)
@paginate
def reflection_list(
    request: HttpRequest,
    # Plain `str` with the constraints in the default: @paginate resolves
    # these annotations outside this module.
    team: str = Query("", pattern=SLUG_OR_EMPTY, max_length=80),
    kind: str = Query("", pattern=NO_NUL, max_length=200),
    tag: str = Query("", pattern=NO_NUL, max_length=200),
):
    user = request.user
    scope = team_get(user=user, slug=team) if team else None
    reflections = selectors.reflection_list_visible(user=user, team=scope, kind=kind, tag=tag)
    return reflections


@router.get(
    "/reflections/drafts", response={200: list[ReflectionOut], **ERRORS}, summary="My drafts"
)
def draft_list(request: HttpRequest):
    return selectors.drafts_for(user=request.user).select_related("author").prefetch_related("tags")


@router.post("/reflections", response={201: ReflectionOut, **ERRORS}, summary="Write a reflection")
def reflection_create(request: HttpRequest, data: ReflectionIn):
    team = team_get(user=request.user, slug=data.team) if data.team else None
    reflection = services.reflection_create(
        author=request.user, team=team, **data.dict(exclude={"team"})
    )
    return Status(201, reflection)


@router.get("/reflections/{reflection_id}", response={200: ReflectionOut, **ERRORS})
def reflection_detail(request: HttpRequest, reflection_id: IdPath):
    return selectors.reflection_get(user=request.user, reflection_id=reflection_id)


@router.patch(
    "/reflections/{reflection_id}",
    response={200: ReflectionOut, **ERRORS},
    summary="Edit my reflection (publish: true publishes a draft)",
)
def reflection_update(request: HttpRequest, reflection_id: IdPath, data: ReflectionPatch):
    reflection = selectors.reflection_get(
        user=request.user, reflection_id=reflection_id, action="reflection.edit"
    )
    current = {
        name: getattr(reflection, name)
        for name in ("title", "body", "what_happened", "correction", "learned", "next_try", "skill")
    }
    current["tags"] = [t.name for t in reflection.tags.all()]
    changes = data.dict(exclude_none=True)
    services.reflection_update(actor=request.user, reflection=reflection, **{**current, **changes})
    return selectors.reflection_get(user=request.user, reflection_id=reflection_id)


@router.delete("/reflections/{reflection_id}", response={204: None, **ERRORS})
def reflection_delete(request: HttpRequest, reflection_id: IdPath):
    reflection = selectors.reflection_get(
        user=request.user, reflection_id=reflection_id, action="reflection.delete"
    )
    services.reflection_delete(actor=request.user, reflection=reflection)
    return Status(204, None)


@router.post(
    "/reflections/{reflection_id}/send",
    response={204: None, **ERRORS},
    summary="E-mail a link to a teammate",
)
def reflection_send(request: HttpRequest, reflection_id: IdPath, data: SendIn):
    reflection = selectors.reflection_get(
        user=request.user, reflection_id=reflection_id, action="reflection.send"
    )
    recipient = User.objects.filter(
        organization_id=request.user.organization_id, pk=data.recipient_id
    ).first()
    services.reflection_send(
        actor=request.user, reflection=reflection, recipient=recipient, note=data.note
    )
    return Status(204, None)


# Responses ------------------------------------------------------------------


@router.get(
    "/reflections/{reflection_id}/comments",
    response={200: list[CommentOut], **ERRORS},
    summary="Comments and offers of help",
)
def comment_list(request: HttpRequest, reflection_id: IdPath):
    reflection = selectors.reflection_get(user=request.user, reflection_id=reflection_id)
    return selectors.comments_for(user=request.user, reflection=reflection)


@router.post(
    "/reflections/{reflection_id}/comments",
    response={201: CommentOut, **ERRORS},
    summary="Comment, or offer help (offers_help: true)",
)
def comment_create(request: HttpRequest, reflection_id: IdPath, data: CommentIn):
    reflection = selectors.reflection_get(
        user=request.user, reflection_id=reflection_id, action="reflection.respond"
    )
    comment = services.comment_create(
        author=request.user, reflection=reflection, body=data.body, offers_help=data.offers_help
    )
    return Status(201, comment)


@router.post(
    "/reflections/{reflection_id}/comments/{comment_id}/hide",
    response={200: CommentOut, **ERRORS},
    summary="Hide a comment on my reflection (hidden: false shows it again)",
)
def comment_hide(request: HttpRequest, reflection_id: IdPath, comment_id: IdPath, data: HideIn):
    reflection = selectors.reflection_get(user=request.user, reflection_id=reflection_id)
    comment = selectors.comment_get(user=request.user, reflection=reflection, comment_id=comment_id)
    services.comment_set_hidden(actor=request.user, comment=comment, hidden=data.hidden)
    return comment


@router.post(
    "/reflections/{reflection_id}/comments/{comment_id}/report",
    response={202: ReportOut, **ERRORS},
    summary="Report a comment as disrespectful (anonymous: a crack for the team's leads)",
)
def comment_report(request: HttpRequest, reflection_id: IdPath, comment_id: IdPath, data: ReportIn):
    reflection = selectors.reflection_get(user=request.user, reflection_id=reflection_id)
    comment = selectors.comment_get(user=request.user, reflection=reflection, comment_id=comment_id)
    receipt = services.comment_report(
        actor=request.user, comment=comment, text=data.text, share_text=data.share_text
    )
    return Status(202, {"visible_on": receipt.visible_on})


@router.get(
    "/reflections/{reflection_id}/reactions",
    response={200: list[ReactionOut], **ERRORS},
    summary="The supportive reactions on a reflection",
)
def reaction_list(request: HttpRequest, reflection_id: IdPath):
    reflection = selectors.reflection_get(user=request.user, reflection_id=reflection_id)
    return selectors.reaction_summary(user=request.user, reflection=reflection)


@router.put(
    "/reflections/{reflection_id}/reactions/{kind}",
    response={200: list[ReactionOut], **ERRORS},
    summary="React: thanks, me_too, learned or help (there is no down-vote)",
)
def reaction_add(request: HttpRequest, reflection_id: IdPath, kind: ReactionKind):
    reflection = selectors.reflection_get(
        user=request.user, reflection_id=reflection_id, action="reflection.respond"
    )
    services.reaction_add(user=request.user, reflection=reflection, kind=kind)
    return selectors.reaction_summary(user=request.user, reflection=reflection)


@router.delete(
    "/reflections/{reflection_id}/reactions/{kind}",
    response={200: list[ReactionOut], **ERRORS},
    summary="Take a reaction back",
)
def reaction_remove(request: HttpRequest, reflection_id: IdPath, kind: ReactionKind):
    reflection = selectors.reflection_get(
        user=request.user, reflection_id=reflection_id, action="reflection.respond"
    )
    services.reaction_remove(user=request.user, reflection=reflection, kind=kind)
    return selectors.reaction_summary(user=request.user, reflection=reflection)


# Learning in progress -------------------------------------------------------


@router.get(
    "/reflections/{reflection_id}/practice",
    response={200: list[PracticeOut], **ERRORS},
    summary="The practice log of a learning in progress",
)
def practice_list(request: HttpRequest, reflection_id: IdPath):
    reflection = selectors.reflection_get(user=request.user, reflection_id=reflection_id)
    return [practice_out(p) for p in reflection.practice.all()]


@router.post(
    "/reflections/{reflection_id}/practice",
    response={201: PracticeOut, **ERRORS},
    summary="Log practice on my learning in progress",
)
def practice_create(request: HttpRequest, reflection_id: IdPath, data: PracticeIn):
    reflection = selectors.reflection_get(
        user=request.user, reflection_id=reflection_id, action="reflection.practice"
    )
    entry = services.practice_log(actor=request.user, reflection=reflection, **data.dict())
    return Status(201, practice_out(entry))


@router.get(
    "/reflections/{reflection_id}/updates",
    response={200: list[ReflectionOut], **ERRORS},
    summary="Updates on a learning in progress",
)
def update_list(request: HttpRequest, reflection_id: IdPath):
    reflection = selectors.reflection_get(user=request.user, reflection_id=reflection_id)
    return selectors.updates_for(reflection=reflection).prefetch_related("tags")


@router.post(
    "/reflections/{reflection_id}/updates",
    response={201: ReflectionOut, **ERRORS},
    summary="Post an update on my learning in progress",
)
def update_create(request: HttpRequest, reflection_id: IdPath, data: UpdateIn):
    reflection = selectors.reflection_get(
        user=request.user, reflection_id=reflection_id, action="reflection.practice"
    )
    update = services.learning_update_post(
        actor=request.user, reflection=reflection, body=data.body
    )
    return Status(201, update)
