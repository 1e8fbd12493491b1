"""The team's marble jar: its state, its marbles, and cracks.

Everything here is about the team as a whole; no endpoint counts anything
per person.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Path, Router, Schema, Status
from ninja.pagination import paginate

from marblejar import permissions
from marblejar.accounts.models import User
from marblejar.api.schemas import SLUG, Error, Flag, Id, IdPath, SlugPath, Text
from marblejar.jar import selectors, services
from marblejar.jar.models import Crack, Marble
from marblejar.teams.models import Team
from marblejar.teams.selectors import team_get

router = Router(tags=["marble jar"])

ERRORS = {400: Error, 401: Error, 403: Error, 404: Error, 422: Error}


class MonthOut(Schema):
    month: str = Field(description="YYYY-MM")
    count: int


class JarOut(Schema):
    total: int = Field(description="Marbles in the team's jar.")
    by_month: list[MonthOut] = Field(description="The last twelve months, oldest first.")
    open_cracks: int = Field(description="Cracks not yet acknowledged by a lead.")


class MarbleOut(Schema):
    id: int
    act: str = Field(description="mistake, lesson, learning, help, update or offline")
    act_by: str | None = Field(description="Who took the risk (display name), if known.")
    response: str = Field(description="thanks, me_too, learned, help, offer, comment or offline")
    response_by: str | None
    reflection_id: int | None
    description: str = Field(description="For a marble dropped by hand: what happened.")
    created_at: datetime

    @staticmethod
    def resolve_act_by(obj: Marble) -> str | None:
        return obj.act_by.display_name if obj.act_by else None

    @staticmethod
    def resolve_response_by(obj: Marble) -> str | None:
        return obj.response_by.display_name if obj.response_by else None


class MarbleIn(Schema):
    description: Text
    named_user_id: Id | None = Field(
        default=None, description="The teammate who took the risk; they are told."
    )


class CrackOut(Schema):
    id: uuid.UUID
    reported_on: date
    about_comment: bool
    text: str | None = Field(
        description="Only for those who acknowledge cracks, or for all if the reporter allowed."
    )
    acknowledged_on: date | None
    response: str


class CrackIn(Schema):
    text: Text
    share_text: Flag = False


class CrackReceiptOut(Schema):
    visible_on: date = Field(
        description="The day the report reaches the people who acknowledge cracks: the reports "
        "of a day are released together once it is over, so that their time says nothing."
    )


class AcknowledgeIn(Schema):
    response: Text = ""


def crack_out(crack: Crack, user: Any) -> dict[str, Any]:
    return {
        "id": crack.pk,
        "reported_on": crack.reported_on,
        "about_comment": crack.comment_id is not None,
        "text": crack.text if permissions.can(user, "crack.read", crack) else None,
        "acknowledged_on": crack.acknowledged_at.date() if crack.acknowledged_at else None,
        "response": crack.response,
    }


def _team(request: HttpRequest, slug: str, action: str = "jar.view") -> Team:
    return team_get(user=request.user, slug=slug, action=action)


@router.get("/teams/{slug}/jar", response={200: JarOut, **ERRORS}, summary="The team's jar")
def jar_detail(request: HttpRequest, slug: SlugPath):
    team = _team(request, slug)
    services.cracks_catch_up()
    return selectors.jar_state(team=team)


@router.get(
    "/teams/{slug}/marbles",
    response={200: list[MarbleOut], **ERRORS},
    summary="The jar's history, newest first",
)
@paginate
def marble_list(request: HttpRequest, slug: str = Path(..., pattern=SLUG, max_length=80)):
    # `str` with the constraints in the default: @paginate resolves the
    # annotations outside this module.
    return selectors.marble_history(team=_team(request, slug))


@router.post(
    "/teams/{slug}/marbles",
    response={201: MarbleOut, **ERRORS},
    summary="Drop a marble by hand for something that happened offline",
)
def marble_create(request: HttpRequest, slug: SlugPath, data: MarbleIn):
    team = _team(request, slug, "marble.drop")
    named = None
    if data.named_user_id is not None:
        named = User.objects.filter(
            organization_id=request.user.organization_id, pk=data.named_user_id
        ).first()
        if named is None:
            raise ValidationError({"named_user_id": [_("Choose someone in this team.")]})
    marble = services.marble_drop_by_hand(
        actor=request.user, team=team, description=data.description, named_user=named
    )
    return Status(201, marble)


@router.delete(
    "/teams/{slug}/marbles/{marble_id}",
    response={204: None, **ERRORS},
    summary="Take out a marble dropped by hand (its dropper, or the person it names)",
)
def marble_delete(request: HttpRequest, slug: SlugPath, marble_id: IdPath):
    team = _team(request, slug)
    marble = selectors.marble_get(user=request.user, team=team, marble_id=marble_id)
    services.marble_remove(actor=request.user, marble=marble)
    return Status(204, None)


@router.get(
    "/teams/{slug}/cracks", response={200: list[CrackOut], **ERRORS}, summary="The team's cracks"
)
def crack_list(request: HttpRequest, slug: SlugPath):
    team = _team(request, slug)
    services.cracks_catch_up()
    cracks = selectors.crack_list(team=team, organization_id=request.user.organization_id)
    return [crack_out(c, request.user) for c in cracks]


@router.post(
    "/teams/{slug}/cracks",
    response={202: CrackReceiptOut, **ERRORS},
    summary="Report, anonymously, that something felt disrespectful (reaches the leads the "
    "next day)",
)
def crack_create(request: HttpRequest, slug: SlugPath, data: CrackIn):
    team = _team(request, slug)
    receipt = services.crack_report(
        actor=request.user, team=team, text=data.text, share_text=data.share_text
    )
    return Status(202, {"visible_on": receipt.visible_on})


@router.post(
    "/teams/{slug}/cracks/{crack_id}/acknowledge",
    response={200: CrackOut, **ERRORS},
    summary="Acknowledge a crack (the team's leads)",
)
def crack_acknowledge(
    request: HttpRequest, slug: SlugPath, crack_id: uuid.UUID, data: AcknowledgeIn
):
    team = _team(request, slug)
    crack = selectors.crack_get(user=request.user, team=team, crack_id=crack_id)
    services.crack_acknowledge(actor=request.user, crack=crack, response=data.response)
    return crack_out(crack, request.user)


@router.get(
    "/organization/cracks",
    response={200: list[CrackOut], **ERRORS},
    summary="Cracks about what was shared with the whole organization",
)
def organization_crack_list(request: HttpRequest):
    services.cracks_catch_up()
    cracks = selectors.crack_list(team=None, organization_id=request.user.organization_id)
    return [crack_out(c, request.user) for c in cracks]


@router.post(
    "/organization/cracks",
    response={202: CrackReceiptOut, **ERRORS},
    summary="Report disrespect in something organization-wide, anonymously (reaches the org "
    "admins the next day)",
)
def organization_crack_create(request: HttpRequest, data: CrackIn):
    receipt = services.crack_report(
        actor=request.user, team=None, text=data.text, share_text=data.share_text
    )
    return Status(202, {"visible_on": receipt.visible_on})


@router.post(
    "/organization/cracks/{crack_id}/acknowledge",
    response={200: CrackOut, **ERRORS},
    summary="Acknowledge an organization-wide crack (org admins)",
)
def organization_crack_acknowledge(request: HttpRequest, crack_id: uuid.UUID, data: AcknowledgeIn):
    crack = selectors.crack_get(user=request.user, team=None, crack_id=crack_id)
    services.crack_acknowledge(actor=request.user, crack=crack, response=data.response)
    return crack_out(crack, request.user)
