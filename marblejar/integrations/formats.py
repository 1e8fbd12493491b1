"""The body of each kind of integration, and the generic webhook's signature.

* Slack incoming webhooks take ``text`` (the notification's fallback) and
  ``blocks`` (Block Kit: a ``section`` with ``mrkdwn`` text and a ``context``).
* Microsoft Teams Workflows ("Post to a channel when a webhook request is
  received") take a ``message`` whose attachment is an Adaptive Card (1.4).
* A generic webhook receives the envelope itself (``docs/integrations.md``
  describes it), signed: ``X-Marblejar-Signature: v1=<hex>`` where ``<hex>`` is
  HMAC-SHA256, keyed with the webhook's secret, of the timestamp header's
  value, a full stop, and the raw body.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from django.utils.translation import gettext as _

SIGNATURE_VERSION = "v1"


def _mrkdwn(text: str) -> str:
    # Slack's three control characters; everything else is literal.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack(envelope: dict[str, Any]) -> dict[str, Any]:
    title, text, url = envelope["title"], envelope["text"], envelope["url"]
    return {
        # The fallback is read as mrkdwn too: a title "<!channel>" must not ping anyone.
        "text": _mrkdwn(f"{title}: {text}"),
        "blocks": [
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": f"*<{url}|{_mrkdwn(title)}>*\n{_mrkdwn(text)}"},
            },
            {
                "type": "context",
                "elements": [
                    {"type": "mrkdwn", "text": _mrkdwn(f"Marblejar · {envelope['team']['name']}")}
                ],
            },
        ],
        "unfurl_links": False,
    }


def teams(envelope: dict[str, Any]) -> dict[str, Any]:
    card = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": [
            {
                "type": "TextBlock",
                "text": envelope["title"],
                "weight": "Bolder",
                "size": "Medium",
                "wrap": True,
            },
            {"type": "TextBlock", "text": envelope["text"], "wrap": True},
            {
                "type": "TextBlock",
                "text": f"Marblejar · {envelope['team']['name']}",
                "isSubtle": True,
                "size": "Small",
                "wrap": True,
            },
        ],
        "actions": [
            {"type": "Action.OpenUrl", "title": _("Open in Marblejar"), "url": envelope["url"]}
        ],
    }
    return {
        "type": "message",
        "attachments": [
            {
                "contentType": "application/vnd.microsoft.card.adaptive",
                "contentUrl": None,
                "content": card,
            }
        ],
    }


def body_of(kind: str, envelope: dict[str, Any]) -> bytes:
    from marblejar.integrations.models import Kind

    if kind == Kind.SLACK:
        document = slack(envelope)
    elif kind == Kind.TEAMS:
        document = teams(envelope)
    else:
        document = envelope
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


def signature(*, secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return f"{SIGNATURE_VERSION}={digest.hexdigest()}"
