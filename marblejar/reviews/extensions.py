"""What other features add to an improvement action where it is shown.

The action's page, the team's action list and a review's summary draw each
registered extension's template fragment for every action, after its loader
has read what the fragments need for the whole list at once (a fixed number
of queries, however many actions). Features register from their
``AppConfig.ready()``, so that the actions views import none of them.

A loader is called as ``load(user=..., team=..., actions=...)``; it may set
attributes on the actions it is given and returns context for the fragment
(namespaced keys, as team page panels do; ``action_links``, links for the
list's head, are gathered from all; ``action_rows``, False when the fragment
draws nothing in any row of this list, so the list skips it). A fragment is drawn with
``action``, ``place`` (``"page"``, ``"row"`` or ``"summary"``), ``next`` (the
address to come back to) and that context.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from marblejar.teams.models import Team


@dataclass(frozen=True)
class ActionExtension:
    template: str
    load: Callable[..., dict[str, Any]]
    stylesheet: str = ""  # a static file the pages link in their head


ACTION_EXTENSIONS: list[ActionExtension] = []


def action_extension(extension: ActionExtension) -> ActionExtension:
    """Register ``extension`` (once, however often it is called)."""
    if extension not in ACTION_EXTENSIONS:
        ACTION_EXTENSIONS.append(extension)
    return extension


def action_extensions_context(*, user: Any, team: Team, actions: Sequence[Any]) -> dict[str, Any]:
    context: dict[str, Any] = {
        "action_fragments": [e.template for e in ACTION_EXTENSIONS],
        # The fragments the list draws in its rows: those with something to show there.
        "action_row_fragments": [],
        "action_stylesheets": [e.stylesheet for e in ACTION_EXTENSIONS if e.stylesheet],
        # Links for the list's head, as {"label": ..., "url": ...}: extensions add theirs.
        "action_links": [],
    }
    for extension in ACTION_EXTENSIONS:
        loaded = extension.load(user=user, team=team, actions=actions)
        context["action_links"] += loaded.pop("action_links", [])
        if loaded.pop("action_rows", True):
            context["action_row_fragments"].append(extension.template)
        context.update(loaded)
    return context
