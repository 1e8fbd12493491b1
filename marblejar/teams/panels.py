"""What other features add to the team page.

A panel is a callable ``(request, team) -> dict`` whose result is merged into
the team page's context; the feature's own template, included by
``teams/detail.html``, draws it. Apps register their panels from their
``AppConfig.ready()``, so the team view does not import every feature.
Each panel namespaces its keys (``jar``, ``reflections_panel``) so that
panels cannot overwrite one another.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest

from marblejar.teams.models import Team

Panel = Callable[[HttpRequest, Team], dict[str, Any]]
TEAM_PAGE_PANELS: list[Panel] = []


def team_page_panel(func: Panel) -> Panel:
    """Register ``func`` as a team page panel (once, however often it is called)."""
    if func not in TEAM_PAGE_PANELS:
        TEAM_PAGE_PANELS.append(func)
    return func


def team_page_context(request: HttpRequest, team: Team) -> dict[str, Any]:
    context: dict[str, Any] = {}
    for panel in TEAM_PAGE_PANELS:
        context.update(panel(request, team))
    return context
