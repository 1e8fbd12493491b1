"""Who may schedule, answer, run and read pulses.

A team's pulses are for its members (and org admins, who see what members
see). Leads schedule them and see results first; the team sees results once
the lead has published them (or they published themselves after the
response period). Nobody may see individual answers: there is no rule for it.
"""

from __future__ import annotations

from marblejar.accounts.models import Organization, User
from marblejar.permissions import is_lead, is_member, rule
from marblejar.pulse.models import Pulse, Status
from marblejar.teams.models import Team
from marblejar.teams.rules import team_view


@rule("pulse.view")
def pulse_view(user: User, team: Team) -> bool:
    return team_view(user, team)


@rule("pulse.create")
def pulse_create(user: User, team: Team) -> bool:
    return is_lead(user, team)


@rule("pulse.answer")
def pulse_answer(user: User, pulse: Pulse) -> bool:
    return is_member(user, pulse.team)


@rule("pulse.manage")
def pulse_manage(user: User, pulse: Pulse) -> bool:
    # Close early, respond to and publish results.
    return is_lead(user, pulse.team)


@rule("pulse.results")
def pulse_results(user: User, pulse: Pulse) -> bool:
    status = pulse.status()
    if status == Status.PUBLISHED:
        return team_view(user, pulse.team)
    return status == Status.AWAITING_LEAD and is_lead(user, pulse.team)


@rule("pulse.overview")
def pulse_overview(user: User, org: Organization) -> bool:
    return user.is_org_admin


@rule("pulse.settings")
def pulse_settings(user: User, org: Organization) -> bool:
    return user.is_org_admin
