"""How pulse events appear to someone watching the team page.

Payloads carry a pulse id and numbers only, never who answered.
"""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string

from marblejar.lib.events import Message
from marblejar.pulse.wording import participation_sentence
from marblejar.realtime.registry import renderer


@renderer("pulse_participation")
def pulse_participation(message: Message, user: Any) -> str | None:
    # Participation is published only while the pulse takes answers.
    sentence = participation_sentence(message.payload["count"], still_open=True)
    return render_to_string(
        "pulse/live.html#participation", {"event": message.payload, "sentence": sentence}
    )


@renderer("pulse_published")
def pulse_published(message: Message, user: Any) -> str | None:
    return render_to_string("pulse/live.html#published", {"event": message.payload})


@renderer("pulse_opened")
def pulse_opened(message: Message, user: Any) -> str | None:
    return render_to_string("pulse/live.html#opened", {"event": message.payload})
