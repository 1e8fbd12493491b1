"""Reading a team's integrations and their delivery log."""

from __future__ import annotations

from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery
from django.http import Http404

from marblejar.integrations.models import Attempt, Integration
from marblejar.teams import selectors as team_selectors
from marblejar.teams.models import Team

LOG_SHOWN = 25


def team_for_integrations(*, user: Any, slug: str) -> Team:
    """The team whose integrations ``user`` may set up (404 if not visible, 403 if not a lead)."""
    return team_selectors.team_get(user=user, slug=slug, action="integration.manage")


def team_integrations(*, team: Team) -> QuerySet[Integration]:
    """The team's integrations, each with its latest attempt's time, success and status code."""
    latest = Attempt.objects.filter(delivery__integration=OuterRef("pk")).order_by("-at", "-pk")
    return Integration.objects.filter(team=team, organization_id=team.organization_id).annotate(
        last_at=Subquery(latest.values("at")[:1]),
        last_ok=Subquery(latest.values("ok")[:1]),
        last_code=Subquery(latest.values("status_code")[:1]),
    )


def integration_get(*, team: Team, integration_id: int) -> Integration:
    integration = Integration.objects.filter(team=team, pk=integration_id).first()
    if integration is None:
        raise Http404
    integration.team = team
    return integration


def delivery_log(*, integration: Integration, limit: int = LOG_SHOWN) -> list[Attempt]:
    """The latest attempts to post, newest first, each with its delivery."""
    return list(
        Attempt.objects.filter(delivery__integration=integration)
        .select_related("delivery")
        .order_by("-at", "-pk")[:limit]
    )
