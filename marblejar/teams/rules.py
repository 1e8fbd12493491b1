"""Who may see and run an organization, its teams, memberships and invitations.

Registered with :mod:`marblejar.permissions` when the app is ready. Other
apps' rules build on :func:`team_view` ("may open the team's page").
"""

from __future__ import annotations

from marblejar.accounts.models import Organization, User
from marblejar.permissions import is_lead, is_member, rule
from marblejar.teams.models import Invitation, Membership, Team

# Organization ---------------------------------------------------------------


@rule("org.view")
def org_view(user: User, org: Organization) -> bool:
    return True


@rule("org.manage")
def org_manage(user: User, org: Organization) -> bool:
    return user.is_org_admin


@rule("team.create")
def team_create(user: User, org: Organization) -> bool:
    return user.is_org_admin


@rule("org.invite")
def org_invite(user: User, org: Organization) -> bool:
    return user.is_org_admin


@rule("org.export")
def org_export(user: User, org: Organization) -> bool:
    return user.is_org_admin


# Teams ----------------------------------------------------------------------


@rule("team.view")
def team_view(user: User, team: Team) -> bool:
    # An org admin can open every team's page to set it up (add leads),
    # but sees only what any member sees there.
    return user.is_org_admin or is_member(user, team)


@rule("team.events")
def team_events(user: User, team: Team) -> bool:
    return team_view(user, team)


@rule("team.edit")
def team_edit(user: User, team: Team) -> bool:
    return user.is_org_admin or is_lead(user, team)


@rule("team.export")
def team_export(user: User, team: Team) -> bool:
    return user.is_org_admin or is_lead(user, team)


@rule("team.delete")
def team_delete(user: User, team: Team) -> bool:
    return user.is_org_admin


@rule("team.invite")
def team_invite(user: User, team: Team) -> bool:
    return user.is_org_admin or is_lead(user, team)


@rule("team.join")
def team_join(user: User, team: Team) -> bool:
    # Org admins can add themselves to a team they set up; others need an invitation.
    return user.is_org_admin and not is_member(user, team)


# Memberships ----------------------------------------------------------------


@rule("membership.remove")
def membership_remove(user: User, membership: Membership) -> bool:
    if membership.user_id == user.pk:
        return True  # leaving a team is always allowed (the service guards the last lead)
    return user.is_org_admin or is_lead(user, membership.team)


@rule("membership.change_role")
def membership_change_role(user: User, membership: Membership) -> bool:
    return user.is_org_admin or is_lead(user, membership.team)


# Invitations ----------------------------------------------------------------


@rule("invitation.revoke")
def invitation_revoke(user: User, invitation: Invitation) -> bool:
    if invitation.team_id is None:
        return user.is_org_admin
    return user.is_org_admin or is_lead(user, invitation.team)


@rule("invitation.view")
def invitation_view(user: User, invitation: Invitation) -> bool:
    return invitation_revoke(user, invitation)
