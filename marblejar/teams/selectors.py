"""Reads for teams, always scoped to the reader's organization."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.http import Http404

from marblejar import permissions
from marblejar.realtime.models import Event
from marblejar.teams.models import Invitation, Membership, Team


def team_list_for_user(*, user: Any) -> QuerySet[Team]:
    """Teams the user belongs to; an org admin sees every team of the organization."""
    teams = Team.objects.filter(organization_id=user.organization_id)
    if not user.is_org_admin:
        # A subquery, not a join: joining memberships here would make the count
        # below see only the reader's own membership ("1 person").
        teams = teams.filter(pk__in=Membership.objects.filter(user=user).values("team_id"))
    return teams.annotate(member_count=Count("memberships", distinct=True)).order_by("name")


def my_team_list(*, user: Any) -> QuerySet[Team]:
    """Only the teams the user is a member of (for the team switcher)."""
    return Team.objects.filter(
        organization_id=user.organization_id, memberships__user=user
    ).order_by("name")


def team_get(*, user: Any, slug: str, action: str = "team.view") -> Team:
    """The team with ``slug`` in the user's organization, if the user may ``action`` it.

    Raises Http404 for a team that does not exist *or* that the user may not
    see, so that team names do not leak across teams.
    """
    # The reader's role comes with the team (one query, not two): every
    # permission asked about this team during the request reads it.
    role = Membership.objects.filter(team=OuterRef("pk"), user=user).values("role")[:1]
    team = (
        Team.objects.filter(organization_id=user.organization_id, slug=slug)
        .annotate(reader_role=Subquery(role))
        .first()
    )
    if team is not None:
        permissions.remember_role(user, team, team.reader_role)
    if team is None or not permissions.can(user, "team.view", team):
        raise Http404
    permissions.require(user, action, team)
    return team


def team_members(*, team: Team) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(team=team, organization_id=team.organization_id)
        .select_related("user")
        .order_by("role", "user__display_name")  # leads first
    )


def membership_get(*, user: Any, team: Team, membership_id: int) -> Membership:
    membership = (
        Membership.objects.filter(team=team, organization_id=user.organization_id, pk=membership_id)
        .select_related("user", "team")
        .first()
    )
    if membership is None:
        raise Http404
    return membership


def team_pending_invitations(*, team: Team) -> list[Invitation]:
    invitations = Invitation.objects.filter(
        team=team,
        organization_id=team.organization_id,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
    ).select_related("created_by")
    return [i for i in invitations if i.is_usable]


def invitation_get(*, user: Any, invitation_id: int) -> Invitation:
    invitation = (
        Invitation.objects.filter(organization_id=user.organization_id, pk=invitation_id)
        .select_related("team")
        .first()
    )
    if invitation is None or not permissions.can(user, "invitation.view", invitation):
        raise Http404
    return invitation


def team_last_event_id(*, team: Team) -> int:
    return (
        Event.objects.filter(stream=team_stream(team)).order_by("-id").values_list("id", flat=True)
    ).first() or 0


def team_stream(team: Team) -> str:
    return f"team:{team.pk}"
