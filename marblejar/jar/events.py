"""How changes to the jar reach everyone on the team page: the jar is redrawn.

The payload carries the jar's whole state (team-level counts only), so the
fragment is rendered without touching the database.
"""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string

from marblejar.jar.stories import marble_story
from marblejar.lib.events import Message
from marblejar.realtime.registry import renderer


def _jar(message: Message, user: Any) -> str:
    from marblejar.jar.views import jar_context

    context = jar_context(message.payload, new_marble=message.kind == "marble_dropped")
    context["event"] = message.payload
    context["event_kind"] = message.kind
    if message.kind == "marble_dropped" and message.payload.get("act") != "offline":
        context["event_story"] = marble_story(
            act=message.payload["act"],
            act_by=message.payload["act_by"],
            response=message.payload["response"],
            response_by=message.payload["response_by"],
        )
    return render_to_string("jar/team_panel.html#jar", context)


for _kind in ("marble_dropped", "marble_removed", "crack_acknowledged", "cracks_released"):
    renderer(_kind)(_jar)
