"""The pulse panel on the team page: the latest score, open pulses to answer, results waiting."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone

from marblejar import permissions
from marblejar.lib.fragments import fragment
from marblejar.pulse import selectors, services
from marblejar.pulse.wording import participation_sentence, trend_points
from marblejar.teams.models import Team


def team_panel(request: HttpRequest, team: Team) -> dict[str, Any]:
    if not permissions.can(request.user, "pulse.view", team):
        return {}
    services.pulse_catch_up(team=team)
    now = timezone.now()
    recent = selectors.pulse_recent_answered(team=team, user=request.user)
    member = permissions.is_member(request.user, team)
    is_lead = permissions.is_lead(request.user, team)
    still_open = [p for p in recent if p.is_open(now)]
    if still_open:
        members = selectors.team_size(team=team)
        for p in still_open:
            p.participation = participation_sentence(p.participant_count, still_open=True)
            p.minimum_note = selectors.minimum_note(p, members=members)
    # The latest score and its trend are the same for every reader of the
    # team: drawn once, then kept for as long as the results read are unchanged.
    score_rows = selectors.team_latest_score_rows(team=team)
    return {
        "pulse_panel": {
            "can_schedule": permissions.can(request.user, "pulse.create", team),
            "to_answer": [p for p in still_open if member and not p.answered],
            "open": still_open,
            "awaiting_me": [p for p in recent if p.closed_at and not p.is_published and is_lead],
            "score_html": fragment(
                "team-pulse-score",
                (team.slug, score_rows),
                lambda: render_to_string(
                    "pulse/team_panel.html#score", _score_context(team, score_rows)
                ),
            ),
        }
    }


def _score_context(team: Team, rows: list[tuple[Any, ...]]) -> dict[str, Any]:
    score = selectors.team_score_from_rows(rows)
    trend = trend_points(score.history, low=score.low, high=score.high) if score else None
    return {"team": team, "pulse_panel": {"score": score, "trend": trend}}
