"""Who may see the marble jar, drop or take out a marble, and report or read a crack."""

from __future__ import annotations

from marblejar.accounts.models import Organization, User
from marblejar.jar.models import Act, Crack, Marble
from marblejar.permissions import is_lead, is_member, rule
from marblejar.teams.models import Team
from marblejar.teams.rules import team_view


@rule("jar.view")
def jar_view(user: User, team: Team) -> bool:
    return team_view(user, team)


@rule("marble.drop")
def marble_drop(user: User, team: Team) -> bool:
    return is_member(user, team)


@rule("marble.remove")
def marble_remove(user: User, marble: Marble) -> bool:
    # Only a marble dropped by hand can be taken out: by whoever dropped it,
    # or by the person it names, who may not want it there.
    if marble.act != Act.OFFLINE:
        return False
    return user.pk in (marble.dropped_by_id, marble.act_by_id)


@rule("crack.report")
def crack_report(user: User, target: Team | Organization) -> bool:
    return isinstance(target, Organization) or is_member(user, target)


@rule("crack.acknowledge")
def crack_acknowledge(user: User, crack: Crack) -> bool:
    # The team's leads; for a report about something organization-wide, the org admins.
    if crack.team is None:
        return user.is_org_admin
    return is_lead(user, crack.team)


@rule("crack.read")
def crack_read(user: User, crack: Crack) -> bool:
    """May read what the reporter wrote: those who must act on it, or all if they allowed it."""
    if crack_acknowledge(user, crack):
        return True
    return crack.share_text and (crack.team is None or team_view(user, crack.team))
