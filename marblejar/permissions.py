"""Who may do what: the one place that answers "may this user do this to this object".

Every view, API endpoint and service asks :func:`can` or :func:`require`; none
re-implements a check. Rules are small functions registered by action name, so
that the permission-matrix test can enumerate them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from marblejar.accounts.models import Organization
from marblejar.teams.models import Invitation, Membership, Role, Team

Rule = Callable[[Any, Any], bool]
RULES: dict[str, Rule] = {}


def rule(action: str) -> Callable[[Rule], Rule]:
    def register(func: Rule) -> Rule:
        RULES[action] = func
        return func

    return register


def can(user: Any, action: str, obj: Any = None) -> bool:
    """True if ``user`` may perform ``action`` on ``obj``.

    Anonymous and inactive users may do nothing; objects of another
    organization are never reachable, whatever the rule says.
    """
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.organization_id is None:
        return False
    org_id = organization_id_of(obj)
    if org_id is not None and org_id != user.organization_id:
        return False
    return RULES[action](user, obj)


def require(user: Any, action: str, obj: Any = None) -> None:
    if not can(user, action, obj):
        raise PermissionDenied(_("You do not have permission to do that."))


def organization_id_of(obj: Any) -> int | None:
    if obj is None:
        return None
    if isinstance(obj, Organization):
        return obj.pk
    return getattr(obj, "organization_id", None)


def role_in(user: Any, team: Team) -> str | None:
    """The user's role in ``team``, cached on the user object for the request."""
    cache: dict[int, str | None] = user.__dict__.setdefault("_team_roles", {})
    if team.pk not in cache:
        cache[team.pk] = (
            Membership.objects.filter(team=team, user=user).values_list("role", flat=True).first()
        )
    return cache[team.pk]


def is_member(user: Any, team: Team) -> bool:
    return role_in(user, team) is not None


def is_lead(user: Any, team: Team) -> bool:
    return role_in(user, team) == Role.LEAD


# Organization ---------------------------------------------------------------


@rule("org.view")
def _org_view(user: Any, org: Organization) -> bool:
    return True


@rule("org.manage")
def _org_manage(user: Any, org: Organization) -> bool:
    return user.is_org_admin


@rule("team.create")
def _team_create(user: Any, org: Organization) -> bool:
    return user.is_org_admin


@rule("org.invite")
def _org_invite(user: Any, org: Organization) -> bool:
    return user.is_org_admin


# Teams ----------------------------------------------------------------------


@rule("team.view")
def _team_view(user: Any, team: Team) -> bool:
    # An org admin can open every team's page to set it up (add leads),
    # but sees only what any member sees there.
    return user.is_org_admin or is_member(user, team)


@rule("team.events")
def _team_events(user: Any, team: Team) -> bool:
    return _team_view(user, team)


@rule("team.edit")
def _team_edit(user: Any, team: Team) -> bool:
    return user.is_org_admin or is_lead(user, team)


@rule("team.delete")
def _team_delete(user: Any, team: Team) -> bool:
    return user.is_org_admin


@rule("team.invite")
def _team_invite(user: Any, team: Team) -> bool:
    return user.is_org_admin or is_lead(user, team)


@rule("team.join")
def _team_join(user: Any, team: Team) -> bool:
    # Org admins can add themselves to a team they set up; others need an invitation.
    return user.is_org_admin and not is_member(user, team)


# Memberships ----------------------------------------------------------------


@rule("membership.remove")
def _membership_remove(user: Any, membership: Membership) -> bool:
    if membership.user_id == user.pk:
        return True  # leaving a team is always allowed (the service guards the last lead)
    return user.is_org_admin or is_lead(user, membership.team)


@rule("membership.change_role")
def _membership_change_role(user: Any, membership: Membership) -> bool:
    return user.is_org_admin or is_lead(user, membership.team)


# Invitations ----------------------------------------------------------------


@rule("invitation.revoke")
def _invitation_revoke(user: Any, invitation: Invitation) -> bool:
    if invitation.team_id is None:
        return user.is_org_admin
    return user.is_org_admin or is_lead(user, invitation.team)


@rule("invitation.view")
def _invitation_view(user: Any, invitation: Invitation) -> bool:
    return _invitation_revoke(user, invitation)
