"""Who may set up a team's integrations: its leads.

An integration sends the team's news to a place outside Marblejar, so the
choice of that place and of what goes there belongs to the people who lead
the team (an organization admin who is not in the team sees its page, not
this).
"""

from __future__ import annotations

from marblejar import permissions
from marblejar.accounts.models import User
from marblejar.teams.models import Team


@permissions.rule("integration.manage")
def integration_manage(user: User, team: Team) -> bool:
    return permissions.is_lead(user, team)
