"""Who may connect a team's trackers and turn its actions into issues.

Registered with the core's :func:`marblejar.permissions.rule` when the app is
ready. A token opens the team's project to whoever holds it: the team's
leads connect, replace and disconnect trackers (an organization admin who is
not in the team does not, as for the team's chat integrations). An action is
the team's, so anyone in the team may make it an issue in a tracker the
leads connected.
"""

from __future__ import annotations

from typing import Any

from marblejar.permissions import is_lead, is_member, rule
from marblejar.reviews.models import Action
from marblejar.teams.models import Team


@rule("tracker.manage")
def _tracker_manage(user: Any, team: Team) -> bool:
    return is_lead(user, team)


@rule("tracker.issue_create")
def _tracker_issue_create(user: Any, action: Action) -> bool:
    return is_member(user, action.team)
