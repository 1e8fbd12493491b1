"""How each kind of event is shown to one reader.

A renderer turns a stored event into the HTML fragment one particular user
may see, or ``None`` when that user should not receive it at all. Renderers
run inside the event stream's async loop, so they must not touch the
database: everything they need travels in the event payload.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from marblejar.lib.events import Message

Renderer = Callable[[Message, Any], str | None]
RENDERERS: dict[str, Renderer] = {}


def renderer(kind: str) -> Callable[[Renderer], Renderer]:
    def register(func: Renderer) -> Renderer:
        RENDERERS[kind] = func
        return func

    return register


def render(message: Message, user: Any) -> str | None:
    func = RENDERERS.get(message.kind)
    if func is None:
        return None
    return func(message, user)
