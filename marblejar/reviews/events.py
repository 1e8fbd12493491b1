"""How review events reach a browser: as signals, never as content.

Each event only says which part of the board changed. The browser then
fetches that part over HTTP, where the views decide what this reader may
see; so no note's text can travel on the stream to someone who may not read
it, and renderers need no database access.
"""

from __future__ import annotations

from typing import Any

from marblejar.lib.events import Message
from marblejar.realtime.registry import renderer
from marblejar.reviews.parts import EVENT_KINDS


def signal(message: Message, user: Any) -> str | None:
    # A non-empty data line: browsers drop an event whose data is empty.
    return str(message.payload.get("phase") or message.kind)


for _kind in EVENT_KINDS:
    renderer(f"review_{_kind}")(signal)
