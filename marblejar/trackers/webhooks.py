"""What a tracker's webhook says, once it has proved that the tracker sent it.

* GitHub signs the body with the secret: ``X-Hub-Signature-256:
  sha256=<HMAC-SHA256 hex>``; the ``issues`` event's ``action`` is
  ``closed`` or ``reopened``.
* GitLab sends the secret token as it is, in ``X-Gitlab-Token``; an ``Issue
  Hook``'s ``object_attributes.action`` is ``close`` or ``reopen``.
* Jira Cloud's admin webhooks either carry the secret in the address
  (``?secret=...``, which the page shows) or, when the webhook is given the
  secret in Jira, sign the body like GitHub in ``X-Hub-Signature``. An
  ``jira:issue_updated`` event is closed when the issue's status is in the
  Done category.

:func:`parse` answers an HTTP status and what the event means; it never
raises on what a sender may put in a request.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any

from marblejar.trackers.models import Kind, Tracker


@dataclass(frozen=True)
class Hook:
    status: int  # what to answer
    reason: str  # said in the answer (plain text, for whoever reads the tracker's delivery log)
    ref: str = ""  # the issue it is about, if it moves one
    closed: bool = False


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _signed(secret: str, body: bytes, header: str) -> bool:
    return bool(header) and hmac.compare_digest(signature(secret, body), header.strip())


def _same(given: str, secret: str) -> bool:
    return bool(given) and hmac.compare_digest(given.encode(), secret.encode())


def verified(tracker: Tracker, *, headers: Any, body: bytes, query: Any) -> bool:
    secret = tracker.secret
    if tracker.kind == Kind.GITHUB:
        return _signed(secret, body, headers.get("X-Hub-Signature-256", ""))
    if tracker.kind == Kind.GITLAB:
        return _same(headers.get("X-Gitlab-Token", ""), secret)
    return _same(query.get("secret", ""), secret) or _signed(
        secret, body, headers.get("X-Hub-Signature", "")
    )


def parse(tracker: Tracker, *, headers: Any, body: bytes, query: Any) -> Hook:
    if not verified(tracker, headers=headers, body=body, query=query):
        return Hook(401, "The signature or secret does not match this webhook's secret.")
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return Hook(400, "The body is not JSON.")
    if not isinstance(data, dict):
        return Hook(400, "The body is not a JSON object.")
    try:
        if tracker.kind == Kind.GITHUB:
            return _github(tracker, headers.get("X-GitHub-Event", ""), data)
        if tracker.kind == Kind.GITLAB:
            return _gitlab(tracker, data)
        return _jira(tracker, data)
    except (KeyError, TypeError, ValueError, AttributeError):
        return Hook(400, "The event does not have the fields of an issue event.")


def _github(tracker: Tracker, event: str, data: dict[str, Any]) -> Hook:
    if event == "ping":
        return Hook(200, "pong")
    if event != "issues":
        return Hook(202, f"Ignored: a {event or 'nameless'} event.")
    action = data["action"]
    if action not in ("closed", "reopened"):
        return Hook(202, f"Ignored: issue {action}.")
    repository = data.get("repository") or {}
    if str(repository.get("full_name", "")).lower() != tracker.project.lower():
        return Hook(202, "Ignored: another repository.")
    return Hook(200, "OK", ref=str(int(data["issue"]["number"])), closed=action == "closed")


def _gitlab(tracker: Tracker, data: dict[str, Any]) -> Hook:
    if data.get("object_kind") != "issue":
        return Hook(202, f"Ignored: a {data.get('object_kind') or 'nameless'} event.")
    attributes = data["object_attributes"]
    action = attributes.get("action")
    if action not in ("close", "reopen"):
        return Hook(202, f"Ignored: issue {action}.")
    project = data.get("project") or {}
    names = {str(project.get("id", "")), str(project.get("path_with_namespace", "")).lower()}
    if tracker.project.lower() not in names:
        return Hook(202, "Ignored: another project.")
    return Hook(200, "OK", ref=str(int(attributes["iid"])), closed=action == "close")


def _jira(tracker: Tracker, data: dict[str, Any]) -> Hook:
    event = data.get("webhookEvent", "")
    if event != "jira:issue_updated":
        return Hook(202, f"Ignored: a {event or 'nameless'} event.")
    issue = data["issue"]
    key = str(issue["key"])
    if key.split("-")[0] != tracker.project:
        return Hook(202, "Ignored: another project.")
    closed = issue["fields"]["status"]["statusCategory"]["key"] == "done"
    return Hook(200, "OK", ref=key, closed=closed)
