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
@renderer("member_role")
def people_changed(message: Message, user: Any) -> str | None:
    # Nothing to announce in the feed: a signal for the People list, which
    # then reloads itself over HTTP, as this reader may see it. (An event
    # with empty data never reaches the page.)
    return message.kind
