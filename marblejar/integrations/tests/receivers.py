"""Real HTTP receivers on loopback, and checks of what Slack and Teams accept.

The checks are written from the services' published formats, not from
Marblejar's code:

* Slack incoming webhooks: https://api.slack.com/messaging/webhooks and the
  Block Kit reference (https://api.slack.com/reference/block-kit/blocks): a
  JSON object with ``text`` and/or ``blocks``; at most 50 blocks, each with a
  known ``type``; a ``section`` has a text object (``plain_text`` or
  ``mrkdwn``, at most 3000 characters) or fields; a ``context`` has 1 to 10
  elements.
* Microsoft Teams Workflows ("Post to a channel when a webhook request is
  received"): a ``message`` whose ``attachments`` hold an Adaptive Card
  (``application/vnd.microsoft.card.adaptive``); the card
  (https://adaptivecards.io/explorer/AdaptiveCard.html) has ``type``
  ``AdaptiveCard``, a ``version`` (1.4 or later is asked for here), and a
  ``body`` of known elements; a ``TextBlock`` has ``text``; an
  ``Action.OpenUrl`` has a ``url``.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """Answers each POST with the next status of ``statuses`` (200 once they run out)."""

    statuses: list[int] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    url: str = ""

    def answer(self) -> int:
        return self.statuses.pop(0) if self.statuses else 200


@contextmanager
def receiver(statuses: list[int] | None = None, path: str = "/hook") -> Iterator[Receiver]:
    state = Receiver(statuses=list(statuses or []))
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (the standard library's name)
            length = int(self.headers.get("Content-Length", 0))
            body = self.rfile.read(length)
            with lock:
                state.received.append(
                    Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                )
                status = state.answer()
            answer = b"ok" if status < 400 else b"no_service"
            self.send_response(status)
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}{path}"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


# Slack -----------------------------------------------------------------------------

SLACK_TOP_LEVEL = {
    "text",
    "blocks",
    "attachments",
    "thread_ts",
    "mrkdwn",
    "unfurl_links",
    "unfurl_media",
}
SLACK_BLOCKS = {
    "actions",
    "context",
    "divider",
    "file",
    "header",
    "image",
    "input",
    "rich_text",
    "section",
    "video",
}


def _slack_text_object(obj: Any, problems: list[str], where: str) -> None:
    if not isinstance(obj, dict) or obj.get("type") not in {"plain_text", "mrkdwn"}:
        problems.append(f"{where}: a text object is plain_text or mrkdwn")
        return
    text = obj.get("text")
    if not isinstance(text, str) or not 1 <= len(text) <= 3000:
        problems.append(f"{where}: text is 1 to 3000 characters")


def slack_problems(message: Any) -> list[str]:
    problems: list[str] = []
    if not isinstance(message, dict):
        return ["the message is a JSON object"]
    unknown = set(message) - SLACK_TOP_LEVEL
    if unknown:
        problems.append(f"unknown fields {sorted(unknown)}")
    text, blocks = message.get("text"), message.get("blocks")
    if not (isinstance(text, str) and text) and not blocks:
        problems.append("text or blocks is required")
    if blocks is not None:
        if not isinstance(blocks, list) or not 1 <= len(blocks) <= 50:
            return [*problems, "blocks is a list of 1 to 50 blocks"]
        for i, block in enumerate(blocks):
            kind = block.get("type") if isinstance(block, dict) else None
            if kind not in SLACK_BLOCKS:
                problems.append(f"block {i}: unknown type {kind!r}")
            elif kind == "section":
                if "text" not in block and "fields" not in block:
                    problems.append(f"block {i}: a section has text or fields")
                if "text" in block:
                    _slack_text_object(block["text"], problems, f"block {i}")
            elif kind == "context":
                elements = block.get("elements")
                if not isinstance(elements, list) or not 1 <= len(elements) <= 10:
                    problems.append(f"block {i}: a context has 1 to 10 elements")
                else:
                    for element in elements:
                        _slack_text_object(element, problems, f"block {i} element")
    return problems


# Microsoft Teams -------------------------------------------------------------------

CARD_ELEMENTS = {
    "TextBlock",
    "Image",
    "Container",
    "ColumnSet",
    "FactSet",
    "ImageSet",
    "ActionSet",
    "RichTextBlock",
    "Table",
}
CARD_ACTIONS = {
    "Action.OpenUrl",
    "Action.Submit",
    "Action.ShowCard",
    "Action.ToggleVisibility",
    "Action.Execute",
}


def teams_problems(message: Any) -> list[str]:
    problems: list[str] = []
    if not isinstance(message, dict) or message.get("type") != "message":
        return ["the message is an object of type message"]
    attachments = message.get("attachments")
    if not isinstance(attachments, list) or not attachments:
        return ["attachments is a non-empty list"]
    for attachment in attachments:
        if attachment.get("contentType") != "application/vnd.microsoft.card.adaptive":
            problems.append("the attachment's contentType is the Adaptive Card's")
        card = attachment.get("content")
        if not isinstance(card, dict) or card.get("type") != "AdaptiveCard":
            problems.append("the attachment's content is an AdaptiveCard")
            continue
        try:
            major, minor = (int(p) for p in str(card.get("version")).split("."))
        except ValueError:
            problems.append("the card has a version such as 1.4")
        else:
            if (major, minor) < (1, 4):
                problems.append("the card's version is 1.4 or later")
        body = card.get("body")
        if not isinstance(body, list) or not body:
            problems.append("the card has a body of elements")
            continue
        for i, element in enumerate(body):
            kind = element.get("type")
            if kind not in CARD_ELEMENTS:
                problems.append(f"element {i}: unknown type {kind!r}")
            elif kind == "TextBlock" and not (
                isinstance(element.get("text"), str) and element["text"]
            ):
                problems.append(f"element {i}: a TextBlock has text")
        for action in card.get("actions", []):
            if action.get("type") not in CARD_ACTIONS:
                problems.append(f"unknown action {action.get('type')!r}")
            elif action["type"] == "Action.OpenUrl" and not str(action.get("url", "")).startswith(
                ("http://", "https://")
            ):
                problems.append("an Action.OpenUrl has an absolute url")
    return problems
