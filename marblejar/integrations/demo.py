"""The demo organization's integrations: a Slack and a Teams channel, paused.

Their addresses are placeholders that reach nobody (Slack's documented
example and a host under ``.invalid``), and both are paused, so a demo
never posts anywhere; the page has something to show, and a lead can point
one at a real channel and resume it.
"""

from __future__ import annotations

from typing import Any

from marblejar.integrations import services
from marblejar.integrations.events import EVENTS
from marblejar.integrations.models import Integration, Kind
from marblejar.teams.models import Team

SLACK_PLACEHOLDER = "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX"
TEAMS_PLACEHOLDER = "https://teams-workflow.example.invalid/workflows/replace-me/triggers/manual"


def seed(*, team: Team, lead: Any) -> list[Integration]:
    made = []
    for kind, name, url in (
        (Kind.SLACK, "#platform-team (Slack)", SLACK_PLACEHOLDER),
        (Kind.TEAMS, "Platform channel (Microsoft Teams)", TEAMS_PLACEHOLDER),
    ):
        integration, _secret = services.integration_create(
            actor=lead, team=team, kind=kind, name=name, url=url, events=list(EVENTS)
        )
        made.append(services.integration_pause(actor=lead, integration=integration))
    return made
