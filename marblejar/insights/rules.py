"""Who may read a team's insights, and the insights across teams."""

from __future__ import annotations

from marblejar.accounts.models import Organization, User
from marblejar.permissions import rule
from marblejar.teams.models import Team
from marblejar.teams.rules import team_view


@rule("insights.team")
def insights_team(user: User, team: Team) -> bool:
    # Team figures only, as the team's published pages show them: whoever may
    # open the team's page and its published pulse results.
    return team_view(user, team)


@rule("insights.organization")
def insights_organization(user: User, org: Organization) -> bool:
    return user.is_org_admin
