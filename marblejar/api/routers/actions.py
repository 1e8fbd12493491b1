"""Improvement actions over the API: a review's, the team's list, one action,
its status and "did it work?". The same services and selectors as the pages."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from marblejar.accounts.models import User
from marblejar.api.schemas import Day, Error, Id, IdPath, SlugPath, Text
from marblejar.reviews import selectors, services
from marblejar.reviews import selectors_actions as action_selectors
from marblejar.reviews.models import Action, ActionStatus
from marblejar.teams import selectors as team_selectors
from marblejar.teams.models import Team

router = Router(tags=["actions"])
ERRORS = {400: Error, 401: Error, 403: Error, 404: Error, 422: Error}


class ActionOut(Schema):
    id: int
    team: str
    review: int | None = Field(description="The review it came from; null when added by hand")
    title: str
    owner: str | None = Field(description="Null when the whole team owns it")
    owner_id: int | None
    due_on: date | None
    expected_effect: str
    check_on: date | None
    status: str = Field(description="open, doing, done or dropped")
    status_note: str = Field(description="What happened, or why it was dropped")
    check_result: str = Field(
        description="The latest answer to 'did it work?': worked, partly, not, too_early, or empty"
    )
    check_note: str
    checked_at: datetime | None
    created_at: datetime


class ActionIn(Schema):
    title: Text
    expected_effect: Text
    due_on: Day | None = None
    check_on: Day | None = None
    owner_id: Id | None = Field(default=None, description="Null: the whole team owns it")
    theme: Id | None = Field(default=None, description="In a review: the theme it answers")


class ActionEdit(Schema):
    title: Text
    expected_effect: Text
    due_on: Day | None = None
    check_on: Day | None = None
    owner_id: Id | None = None


class ActionPatch(Schema):
    status: Text = Field(description="open, doing, done or dropped")
    note: Text = Field(default="", description="What happened; required when dropping")
    review: Id | None = Field(default=None, description="The review in which it was checked")


class CheckIn(Schema):
    result: Text = Field(description="worked, partly, not or too_early")
    note: Text = ""


def action_out(a: Action) -> dict[str, Any]:
    return {
        "id": a.pk,
        "team": a.team.slug,
        "review": a.review_id,
        "title": a.title,
        "owner": a.owner.display_name if a.owner else None,
        "owner_id": a.owner_id,
        "due_on": a.due_on,
        "expected_effect": a.expected_effect,
        "check_on": a.check_on,
        "status": a.status,
        "status_note": a.status_note,
        "check_result": a.check_result,
        "check_note": a.check_note,
        "checked_at": a.checked_at,
        "created_at": a.created_at,
    }


def _owner(team: Team, owner_id: int | None) -> Any:
    if owner_id is None:
        return None
    owner = User.objects.filter(
        pk=owner_id, organization_id=team.organization_id, is_guest=False
    ).first()
    if owner is None:
        raise ValidationError({"owner": [_("The owner must be in the team.")]})
    return owner


@router.get(
    "/reviews/{review_id}/actions",
    response={200: list[ActionOut], **ERRORS},
    summary="The actions that came out of a review",
)
def review_actions(request: HttpRequest, review_id: IdPath):
    review = services.review_current(user=request.user, review_id=review_id)
    return [
        action_out(a) for a in selectors.actions_for_review(review=review).select_related("team")
    ]


@router.post(
    "/reviews/{review_id}/actions",
    response={201: ActionOut, **ERRORS},
    summary="Add an improvement action in a review's actions phase",
)
def review_action_add(request: HttpRequest, review_id: IdPath, data: ActionIn):
    review = services.review_current(user=request.user, review_id=review_id)
    theme = selectors.theme_get(review=review, theme_id=data.theme) if data.theme else None
    action = services.action_create(
        actor=request.user,
        review=review,
        title=data.title,
        expected_effect=data.expected_effect,
        due_on=data.due_on,
        check_on=data.check_on,
        owner=_owner(review.team, data.owner_id),
        theme=theme,
    )
    return Status(201, action_out(action))


class ActionFilterIn(Schema):
    status: Text = Field(default="", description="open, doing, done or dropped")
    owner: Text = Field(default="", description="A user id, or 'team' for the whole team's")
    overdue: bool = False
    review: Text = Field(default="", description="A review id, or 'hand' for added by hand")
    sort: Text = Field(
        default="status",
        description="status (still to do first), due, check or created (newest first)",
    )


def _filters(team: Team, q: ActionFilterIn) -> action_selectors.ActionFilter:
    errors: dict[str, list[str]] = {}
    if q.status and q.status not in ActionStatus.values:
        errors["status"] = [_("Choose open, doing, done or dropped.")]
    if q.owner and q.owner != "team" and not q.owner.isdecimal():
        errors["owner"] = [_("Give a user id, or 'team'.")]
    if q.review and q.review != "hand" and not q.review.isdecimal():
        errors["review"] = [_("Give a review id, or 'hand'.")]
    if q.sort not in action_selectors.SORTS:
        errors["sort"] = [_("Sort by due, check, created or status.")]
    if errors:
        raise ValidationError(errors)
    return action_selectors.ActionFilter(
        status=q.status, owner=q.owner, overdue=q.overdue, review=q.review, sort=q.sort
    )


@router.get(
    "/teams/{slug}/actions",
    response={200: list[ActionOut], **ERRORS},
    summary="The team's improvement actions, filtered and sorted",
)
def team_actions(request: HttpRequest, slug: SlugPath, filters: Query[ActionFilterIn]):
    team = team_selectors.team_get(user=request.user, slug=slug, action="review.list")
    actions = action_selectors.action_list_for_team(
        user=request.user, team=team, filters=_filters(team, filters)
    ).select_related("team")
    return [action_out(a) for a in actions]


@router.post(
    "/teams/{slug}/actions",
    response={201: ActionOut, **ERRORS},
    summary="Add an improvement action by hand",
)
def team_action_add(request: HttpRequest, slug: SlugPath, data: ActionEdit):
    team = team_selectors.team_get(user=request.user, slug=slug, action="review.action_add")
    action = services.action_add(
        actor=request.user,
        team=team,
        title=data.title,
        expected_effect=data.expected_effect,
        due_on=data.due_on,
        check_on=data.check_on,
        owner=_owner(team, data.owner_id),
    )
    return Status(201, action_out(action))


@router.get(
    "/actions/{action_id}",
    response={200: ActionOut, **ERRORS},
    summary="One improvement action",
)
def action_get(request: HttpRequest, action_id: IdPath):
    return action_out(action_selectors.action_get(user=request.user, action_id=action_id))


@router.put(
    "/actions/{action_id}",
    response={200: ActionOut, **ERRORS},
    summary="Change what an action says, its owner and dates",
)
def action_edit(request: HttpRequest, action_id: IdPath, data: ActionEdit):
    action = action_selectors.action_get(user=request.user, action_id=action_id)
    services.action_update(
        actor=request.user,
        action=action,
        title=data.title,
        expected_effect=data.expected_effect,
        due_on=data.due_on,
        check_on=data.check_on,
        owner=_owner(action.team, data.owner_id),
    )
    return action_out(action)


@router.patch(
    "/actions/{action_id}",
    response={200: ActionOut, **ERRORS},
    summary="Set an action's status: open, doing, done or dropped (with a reason)",
)
def action_update(request: HttpRequest, action_id: IdPath, data: ActionPatch):
    action = action_selectors.action_get(user=request.user, action_id=action_id)
    review = (
        services.review_current(user=request.user, review_id=data.review) if data.review else None
    )
    services.action_set_status(
        actor=request.user, action=action, status=data.status, note=data.note, review=review
    )
    return action_out(action)


@router.post(
    "/actions/{action_id}/check",
    response={200: ActionOut, **ERRORS},
    summary="Answer 'did it have the effect we expected?'",
)
def action_check(request: HttpRequest, action_id: IdPath, data: CheckIn):
    action = action_selectors.action_get(user=request.user, action_id=action_id)
    services.action_check(actor=request.user, action=action, result=data.result, note=data.note)
    return action_out(action)
