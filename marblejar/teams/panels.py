"""What other features add to the team page.

A panel is a callable ``(request, team) -> dict`` whose result is merged into
the team page's context; the feature's own template, included by
``teams/detail.html``, draws it. Apps register their panels from their
``AppConfig.ready()``, so the team view does not import every feature, and
by dotted path, so that Django's set-up (every command, the task worker)
does not import every feature's views: the first team page does.
Each panel namespaces its keys (``jar``, ``reflections_panel``) so that
panels cannot overwrite one another.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest
from django.utils.module_loading import import_string

from marblejar.teams.models import Team

Panel = Callable[[HttpRequest, Team], dict[str, Any]]
# Panels, or the dotted paths of panels not imported yet.
TEAM_PAGE_PANELS: list[Panel | str] = []


def team_page_panel[P: (Panel, str)](func: P) -> P:
    """Register ``func``, a panel or its dotted path, as a team page panel (once,
    however often it is called)."""
    if func not in TEAM_PAGE_PANELS:
        TEAM_PAGE_PANELS.append(func)
    return func


def team_page_panels() -> list[Panel]:
    """The registered panels, those named by path imported on first use."""
    panels: list[Panel] = []
    for panel in TEAM_PAGE_PANELS:
        loaded = import_string(panel) if isinstance(panel, str) else panel
        if loaded not in panels:
            panels.append(loaded)
    TEAM_PAGE_PANELS[:] = panels
    return panels


def team_page_context(request: HttpRequest, team: Team) -> dict[str, Any]:
    context: dict[str, Any] = {}
    for panel in team_page_panels():
        context.update(panel(request, team))
    return context
