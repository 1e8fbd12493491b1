from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Status

from marblejar import permissions
from marblejar.accounts import services
from marblejar.accounts.models import ApiToken
from marblejar.api.schemas import (
    Error,
    IdPath,
    MeIn,
    MeOut,
    OrganizationIn,
    OrganizationOut,
    TokenCreated,
    TokenIn,
    TokenOut,
)
from marblejar.teams.models import Membership

router = Router(tags=["accounts"])

ERRORS = {400: Error, 401: Error, 403: Error, 404: Error, 422: Error}


def me_out(user) -> dict:
    memberships = Membership.objects.filter(user=user).select_related("team").order_by("team__name")
    return {
        "id": user.pk,
        "email": user.email,
        "display_name": user.display_name,
        "is_org_admin": user.is_org_admin,
        "organization": user.organization,
        "teams": [{"slug": m.team.slug, "name": m.team.name, "role": m.role} for m in memberships],
    }


@router.get("/me", response={200: MeOut, **ERRORS}, summary="Who I am")
def me(request: HttpRequest):
    return me_out(request.user)


@router.patch("/me", response={200: MeOut, **ERRORS}, summary="Change my display name")
def me_update(request: HttpRequest, data: MeIn):
    services.user_update_profile(user=request.user, display_name=data.display_name)
    return me_out(request.user)


@router.get("/organization", response={200: OrganizationOut, **ERRORS}, summary="My organization")
def organization(request: HttpRequest):
    permissions.require(request.user, "org.view", request.user.organization)
    return request.user.organization


@router.patch(
    "/organization",
    response={200: OrganizationOut, **ERRORS},
    summary="Change organization settings",
)
def organization_update(request: HttpRequest, data: OrganizationIn):
    return services.organization_update(
        actor=request.user, name=data.name, open_signup_domain=data.open_signup_domain
    )


@router.get("/tokens", response={200: list[TokenOut], **ERRORS}, summary="My API tokens")
def tokens(request: HttpRequest):
    return ApiToken.objects.filter(user=request.user).order_by("-created_at")


@router.post("/tokens", response={201: TokenCreated, **ERRORS}, summary="Create an API token")
def token_create(request: HttpRequest, data: TokenIn):
    token, raw = services.token_create(user=request.user, name=data.name, read_only=data.read_only)
    return Status(201, {**TokenOut.model_validate(token).model_dump(), "token": raw})


@router.delete("/tokens/{token_id}", response={204: None, **ERRORS}, summary="Revoke an API token")
def token_revoke(request: HttpRequest, token_id: IdPath):
    services.token_revoke(user=request.user, token_id=token_id)
    return Status(204, None)
