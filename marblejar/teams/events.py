"""How team events appear to someone watching the team page."""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string

from marblejar.lib.events import Message
from marblejar.realtime.registry import renderer


@renderer("member_joined")
def member_joined(message: Message, user: Any) -> str | None:
    return render_to_string("teams/detail.html#joined", {"event": message.payload, "viewer": user})


@renderer("member_left")
def member_left(message: Message, user: Any) -> str | None:
    return None  # shown on the next page load; nothing to announce live
