"""How reflection events appear to someone watching the team page."""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string

from marblejar.lib.events import Message
from marblejar.realtime.registry import renderer


@renderer("reflection_published")
def reflection_published(message: Message, user: Any) -> str | None:
    return render_to_string(
        "reflections/team_panel.html#live", {"event": message.payload, "viewer": user}
    )


def _signal(message: Message, user: Any) -> str:
    # Browsers drop an event with empty data: the part's name is the signal.
    return message.kind


renderer("reflection_reactions")(_signal)
renderer("reflection_responses")(_signal)
