"""How a notification reaches the person's open pages: the bell's count, updated."""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string

from marblejar.lib.events import Message
from marblejar.realtime.registry import renderer


@renderer("notification")
def _bell(message: Message, user: Any) -> str | None:
    # A user stream is only ever opened by its owner; this is a second lock.
    if message.payload.get("user_id") != getattr(user, "pk", None):
        return None
    return render_to_string(
        "notifications/bell.html#count", {"unread": message.payload.get("unread", 0)}
    )
