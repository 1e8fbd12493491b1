"""A team's integrations, read-only, for its leads (set them up on the team's page)."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Field, Router, Schema

from marblejar.api.schemas import Error, SlugPath
from marblejar.integrations import selectors

router = Router(tags=["integrations"])

ERRORS = {400: Error, 401: Error, 403: Error, 404: Error, 422: Error}


class IntegrationOut(Schema):
    id: int
    kind: str = Field(description="slack, teams or webhook")
    name: str
    posts_to: str = Field(
        description="The address's host and last four characters; the address is never shown."
    )
    events: list[str] = Field(description="The events it posts (docs/integrations.md).")
    paused: bool
    paused_because: str = Field(description='"lead", "failures" or "" when posting.')
    failures_in_a_row: int
    last_attempt_at: datetime | None
    last_attempt_ok: bool | None
    last_status_code: int | None


@router.get(
    "/teams/{slug}/integrations",
    response={200: list[IntegrationOut], **ERRORS},
    summary="A team's integrations (leads)",
)
def integration_list(request: HttpRequest, slug: SlugPath):
    team = selectors.team_for_integrations(user=request.user, slug=slug)
    return [
        {
            "id": i.pk,
            "kind": i.kind,
            "name": i.name,
            "posts_to": i.url_hint,
            "events": i.events,
            "paused": i.is_paused,
            "paused_because": i.paused_because,
            "failures_in_a_row": i.failures_in_a_row,
            "last_attempt_at": i.last_at,
            "last_attempt_ok": i.last_ok,
            "last_status_code": i.last_code,
        }
        for i in selectors.team_integrations(team=team)
    ]
