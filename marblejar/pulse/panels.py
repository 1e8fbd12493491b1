"""The pulse panel on the team page: open pulses to answer, results waiting."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from marblejar import permissions
from marblejar.pulse import selectors, services
from marblejar.pulse.wording import participation_sentence
from marblejar.teams.models import Team


def team_panel(request: HttpRequest, team: Team) -> dict[str, Any]:
    if not permissions.can(request.user, "pulse.view", team):
        return {}
    services.pulse_advance_due(team=team)
    now = timezone.now()
    recent = list(selectors.pulse_list_for_team(team=team)[:5])
    answered = selectors.answered_pulse_ids(user=request.user, pulses=recent)
    member = permissions.is_member(request.user, team)
    still_open = [p for p in recent if p.is_open(now)]
    for p in still_open:
        p.participation = participation_sentence(p.participant_count, still_open=True)
    return {
        "pulse_panel": {
            "can_schedule": permissions.can(request.user, "pulse.create", team),
            "to_answer": [p for p in recent if member and p.is_open(now) and p.pk not in answered],
            "open": still_open,
            "awaiting_me": [
                p
                for p in recent
                if p.closed_at and not p.is_published and permissions.is_lead(request.user, team)
            ],
        }
    }
