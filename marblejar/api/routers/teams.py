from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status

from marblejar import permissions
from marblejar.api.schemas import (
    AcceptIn,
    AcceptOut,
    Error,
    IdPath,
    InvitationCreated,
    InvitationIn,
    InvitationOut,
    MemberIn,
    MemberOut,
    SlugPath,
    TeamIn,
    TeamOut,
)
from marblejar.teams import selectors, services
from marblejar.teams.models import Invitation, Membership, Team

router = Router(tags=["teams"])


def clean_email(value: str) -> str:
    value = value.strip()
    if value:
        try:
            validate_email(value)
        except ValidationError:
            raise ValidationError({"email": [_("Enter a valid e-mail address.")]}) from None
    return value


ERRORS = {400: Error, 401: Error, 403: Error, 404: Error, 422: Error}


def team_out(team: Team, user) -> dict:
    role = permissions.role_in(user, team)
    count = getattr(team, "member_count", None)
    if count is None:
        count = Membership.objects.filter(team=team).count()
    return {
        "slug": team.slug,
        "name": team.name,
        "description": team.description,
        "member_count": count,
        "my_role": role,
        "created_at": team.created_at,
    }


def member_out(m: Membership) -> dict:
    return {
        "id": m.pk,
        "user_id": m.user_id,
        "display_name": m.user.display_name,
        "role": m.role,
        "joined_at": m.joined_at,
    }


def invitation_out(i: Invitation) -> dict:
    return {
        "id": i.pk,
        "email": i.email,
        "role": i.role,
        "status": i.status,
        "created_at": i.created_at,
        "expires_at": i.expires_at,
    }


@router.get("/teams", response={200: list[TeamOut], **ERRORS}, summary="Teams I can see")
def team_list(request: HttpRequest):
    teams = list(selectors.team_list_for_user(user=request.user))
    roles = dict(
        Membership.objects.filter(user=request.user, team__in=teams).values_list("team_id", "role")
    )
    request.user.__dict__.setdefault("_team_roles", {}).update(
        {t.pk: roles.get(t.pk) for t in teams}
    )
    return [team_out(t, request.user) for t in teams]


@router.post("/teams", response={201: TeamOut, **ERRORS}, summary="Create a team (org admins)")
def team_create(request: HttpRequest, data: TeamIn):
    team = services.team_create(actor=request.user, name=data.name, description=data.description)
    return Status(201, team_out(team, request.user))


@router.get("/teams/{slug}", response={200: TeamOut, **ERRORS}, summary="One team")
def team_detail(request: HttpRequest, slug: SlugPath):
    return team_out(selectors.team_get(user=request.user, slug=slug), request.user)


@router.patch(
    "/teams/{slug}", response={200: TeamOut, **ERRORS}, summary="Rename or describe a team"
)
def team_update(request: HttpRequest, slug: SlugPath, data: TeamIn):
    team = selectors.team_get(user=request.user, slug=slug, action="team.edit")
    services.team_update(
        actor=request.user, team=team, name=data.name, description=data.description
    )
    return team_out(team, request.user)


@router.delete(
    "/teams/{slug}", response={204: None, **ERRORS}, summary="Delete a team (org admins)"
)
def team_delete(request: HttpRequest, slug: SlugPath):
    team = selectors.team_get(user=request.user, slug=slug, action="team.delete")
    services.team_delete(actor=request.user, team=team)
    return Status(204, None)


@router.get(
    "/teams/{slug}/members", response={200: list[MemberOut], **ERRORS}, summary="A team's members"
)
def member_list(request: HttpRequest, slug: SlugPath):
    team = selectors.team_get(user=request.user, slug=slug)
    return [member_out(m) for m in selectors.team_members(team=team)]


@router.patch(
    "/teams/{slug}/members/{membership_id}",
    response={200: MemberOut, **ERRORS},
    summary="Make someone a lead or a member",
)
def member_update(request: HttpRequest, slug: SlugPath, membership_id: IdPath, data: MemberIn):
    team = selectors.team_get(user=request.user, slug=slug)
    membership = selectors.membership_get(user=request.user, team=team, membership_id=membership_id)
    services.membership_set_role(actor=request.user, membership=membership, role=data.role)
    return member_out(membership)


@router.delete(
    "/teams/{slug}/members/{membership_id}",
    response={204: None, **ERRORS},
    summary="Remove a member, or leave the team (your own membership)",
)
def member_remove(request: HttpRequest, slug: SlugPath, membership_id: IdPath):
    team = selectors.team_get(user=request.user, slug=slug)
    membership = selectors.membership_get(user=request.user, team=team, membership_id=membership_id)
    services.membership_remove(actor=request.user, membership=membership)
    return Status(204, None)


@router.get(
    "/teams/{slug}/invitations",
    response={200: list[InvitationOut], **ERRORS},
    summary="A team's invitations (leads)",
)
def invitation_list(request: HttpRequest, slug: SlugPath):
    team = selectors.team_get(user=request.user, slug=slug, action="team.invite")
    invitations = Invitation.objects.filter(team=team, organization_id=team.organization_id)
    return [invitation_out(i) for i in invitations]


@router.post(
    "/teams/{slug}/invitations",
    response={201: InvitationCreated, **ERRORS},
    summary="Invite someone (by e-mail, or get a link)",
)
def invitation_create(request: HttpRequest, slug: SlugPath, data: InvitationIn):
    team = selectors.team_get(user=request.user, slug=slug, action="team.invite")
    invitation, raw = services.invitation_create(
        actor=request.user, team=team, email=clean_email(data.email), role=data.role
    )
    return Status(
        201,
        {
            **invitation_out(invitation),
            "url": services.invitation_url(raw),
            "email_sent": invitation.email_sent,
        },
    )


@router.delete(
    "/teams/{slug}/invitations/{invitation_id}",
    response={204: None, **ERRORS},
    summary="Withdraw an invitation",
)
def invitation_revoke(request: HttpRequest, slug: SlugPath, invitation_id: IdPath):
    team = selectors.team_get(user=request.user, slug=slug, action="team.invite")
    invitation = selectors.invitation_get(user=request.user, invitation_id=invitation_id)
    if invitation.team_id != team.pk:
        raise Http404
    services.invitation_revoke(actor=request.user, invitation=invitation)
    return Status(204, None)


@router.post(
    "/invitations/accept",
    response={200: AcceptOut, **ERRORS},
    summary="Accept an invitation with its token (the last part of the link)",
)
def invitation_accept(request: HttpRequest, data: AcceptIn):
    invitation = services.invitation_lookup(data.token)
    if problem := services.invitation_problem(invitation):
        raise ValidationError(problem)
    membership = services.invitation_accept(invitation=invitation, user=request.user)
    return {"team": membership.team.slug if membership else None}
