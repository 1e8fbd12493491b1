"""GitHub, GitLab and Jira Cloud on loopback: the few endpoints Marblejar uses.

Built from the trackers' published API descriptions, answering as they do
(status codes, JSON shapes, error bodies), and strict about what they are
sent: a request without the right headers, or with a body the real API
would refuse, gets the real API's refusal. Every request is kept in
``requests`` for tests to look at.

* GitHub REST 2022-11-28: ``POST /repos/{owner}/{repo}/issues``,
  ``GET /repos/{owner}/{repo}/issues/{issue_number}``.
* GitLab REST v4: ``POST /api/v4/projects/:id/issues``,
  ``GET /api/v4/projects/:id/issues/:issue_iid`` (``:id`` a number or a
  URL-encoded path).
* Jira Cloud REST v3: ``POST /rest/api/3/issue``, ``GET /rest/api/3/issue/{key}``.

It can also play the tracker's webhook: :meth:`FakeTrackers.set_state`
changes an issue and, given an address and a secret, sends the event as the
tracker would (GitHub's signed with HMAC-SHA256 by the standard library).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote, urlsplit

import httpx

GITHUB_TOKEN = "github_pat_11AAAAAAA0123456789abcdefghij"
GITLAB_TOKEN = "glpat-0123456789abcdefghij"
JIRA_EMAIL = "lena@acme.test"
JIRA_TOKEN = "ATATT3xFfGF0-0123456789abcdef"

GITHUB_REPO = "acme/platform"
GITLAB_PROJECT_ID = 4242
GITLAB_PATH = "acme/platform"
JIRA_KEY = "PLAT"
JIRA_ISSUE_TYPES = ("Task", "Story", "Bug")

GITHUB_ISSUE_FIELDS = {"title", "body", "assignee", "milestone", "labels", "assignees", "type"}
GITLAB_ISSUE_FIELDS = {
    "title",
    "description",
    "assignee_id",
    "assignee_ids",
    "confidential",
    "created_at",
    "due_date",
    "epic_id",
    "issue_type",
    "labels",
    "milestone_id",
    "weight",
}


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class FakeIssue:
    ref: str  # number, iid or key
    title: str
    text: Any  # body, description or ADF document
    closed: bool = False


@dataclass
class FakeTrackers:
    requests: list[Seen] = field(default_factory=list)
    issues: dict[tuple[str, str], FakeIssue] = field(default_factory=dict)  # (kind, ref)
    delay: float = 0.0  # seconds to wait before answering (a tracker that is slow)
    github_token: str = GITHUB_TOKEN
    gitlab_token: str = GITLAB_TOKEN
    jira_token: str = JIRA_TOKEN

    def __post_init__(self) -> None:
        self._numbers = {"github": itertools.count(1), "gitlab": itertools.count(1)}
        self._jira_numbers = itertools.count(1)
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                fake._handle(self, "GET")

            def do_POST(self) -> None:
                fake._handle(self, "POST")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> FakeTrackers:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def seen(self, method: str, path_start: str) -> list[Seen]:
        return [r for r in self.requests if r.method == method and r.path.startswith(path_start)]

    # The HTTP side ----------------------------------------------------------------------

    def _handle(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in handler.headers.items()}
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw
        path = urlsplit(handler.path).path
        with self._lock:
            self.requests.append(Seen(method, handler.path, headers, body))
        if self.delay:
            time.sleep(self.delay)
        if method == "POST" and headers.get("content-type", "").split(";")[0] != (
            "application/json"
        ):
            status, answer = 415, {"message": "Unsupported Media Type"}
        elif path.startswith("/repos/"):
            status, answer = self._github(method, path, headers, body)
        elif path.startswith("/api/v4/"):
            status, answer = self._gitlab(method, path, headers, body)
        elif path.startswith("/rest/api/3/"):
            status, answer = self._jira(method, path, headers, body)
        else:
            status, answer = 404, {"message": "Not Found"}
        data = b"" if answer is None else json.dumps(answer).encode()
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", "application/json; charset=utf-8")
            handler.send_header("Content-Length", str(len(data)))
            handler.end_headers()
            handler.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up waiting (a timeout test)

    # GitHub -----------------------------------------------------------------------------

    def _github_issue(self, repo: str, issue: FakeIssue) -> dict[str, Any]:
        number = int(issue.ref)
        return {
            "id": 1000 + number,
            "node_id": f"I_kwDO{number}",
            "url": f"{self.url}/repos/{repo}/issues/{number}",
            "html_url": f"https://github.com/{repo}/issues/{number}",
            "number": number,
            "state": "closed" if issue.closed else "open",
            "state_reason": "completed" if issue.closed else None,
            "title": issue.title,
            "body": issue.text,
            "user": {"login": "marblejar-bot", "id": 1, "type": "User"},
            "labels": [],
            "assignees": [],
            "comments": 0,
            "locked": False,
        }

    def _github(self, method: str, path: str, headers: dict[str, str], body: Any):
        docs = "https://docs.github.com/rest"
        if headers.get("authorization") != f"Bearer {self.github_token}":
            return 401, {"message": "Bad credentials", "documentation_url": docs, "status": "401"}
        if headers.get("accept") != "application/vnd.github+json" or not headers.get("user-agent"):
            return 400, {"message": "Bad request: Accept and User-Agent are required"}
        if headers.get("x-github-api-version") != "2022-11-28":
            return 400, {"message": "Unsupported 'X-GitHub-Api-Version'"}
        parts = path.split("/")  # "", repos, owner, repo, issues[, number]
        not_found = {"message": "Not Found", "documentation_url": docs, "status": "404"}
        if len(parts) < 5 or f"{parts[2]}/{parts[3]}" != GITHUB_REPO or parts[4] != "issues":
            return 404, not_found
        if method == "POST" and len(parts) == 5:
            if not isinstance(body, dict) or not isinstance(body.get("title"), str | int):
                return 422, {
                    "message": 'Invalid request.\n\n"title" wasn\'t supplied.',
                    "documentation_url": docs,
                    "status": "422",
                }
            unknown = set(body) - GITHUB_ISSUE_FIELDS
            if unknown or not isinstance(body.get("body", ""), str):
                return 422, {"message": "Validation Failed", "status": "422"}
            issue = FakeIssue(
                str(next(self._numbers["github"])), str(body["title"]), body.get("body")
            )
            self.issues[("github", issue.ref)] = issue
            return 201, self._github_issue(GITHUB_REPO, issue)
        if method == "GET" and len(parts) == 6:
            issue = self.issues.get(("github", parts[5]))
            if issue is None:
                return 404, not_found
            return 200, self._github_issue(GITHUB_REPO, issue)
        return 404, not_found

    # GitLab -----------------------------------------------------------------------------

    def _gitlab_issue(self, issue: FakeIssue) -> dict[str, Any]:
        iid = int(issue.ref)
        return {
            "id": 76000 + iid,
            "iid": iid,
            "project_id": GITLAB_PROJECT_ID,
            "title": issue.title,
            "description": issue.text,
            "state": "closed" if issue.closed else "opened",
            "labels": [],
            "author": {"id": 1, "username": "marblejar-bot"},
            "web_url": f"https://gitlab.example.com/{GITLAB_PATH}/-/issues/{iid}",
        }

    def _gitlab(self, method: str, path: str, headers: dict[str, str], body: Any):
        if headers.get("private-token") != self.gitlab_token:
            return 401, {"message": "401 Unauthorized"}
        # /api/v4/projects/<id or url-encoded path>/issues[/<iid>]: the path's
        # slashes must be encoded, so an unencoded one is another address.
        parts = path.split("/")
        if len(parts) < 6 or parts[3] != "projects" or parts[5] != "issues":
            return 404, {"error": "404 Not Found"}
        project = unquote(parts[4])
        if project not in (str(GITLAB_PROJECT_ID), GITLAB_PATH):
            return 404, {"message": "404 Project Not Found"}
        if method == "POST" and len(parts) == 6:
            if not isinstance(body, dict) or not body.get("title"):
                return 400, {"error": "title is missing"}
            if set(body) - GITLAB_ISSUE_FIELDS:
                return 400, {"error": "does not have a valid value"}
            issue = FakeIssue(
                str(next(self._numbers["gitlab"])), str(body["title"]), body.get("description")
            )
            self.issues[("gitlab", issue.ref)] = issue
            return 201, self._gitlab_issue(issue)
        if method == "GET" and len(parts) == 7:
            issue = self.issues.get(("gitlab", parts[6]))
            if issue is None:
                return 404, {"message": "404 Not found"}
            return 200, self._gitlab_issue(issue)
        return 404, {"error": "404 Not Found"}

    # Jira Cloud ---------------------------------------------------------------------------

    def _jira_issue(self, issue: FakeIssue) -> dict[str, Any]:
        number = issue.ref.split("-")[1]
        status = (
            {"name": "Done", "statusCategory": {"id": 3, "key": "done", "name": "Done"}}
            if issue.closed
            else {"name": "To Do", "statusCategory": {"id": 2, "key": "new", "name": "To Do"}}
        )
        return {
            "id": str(10000 + int(number)),
            "key": issue.ref,
            "self": f"{self.url}/rest/api/3/issue/{10000 + int(number)}",
            "fields": {"status": status},
        }

    def _jira(self, method: str, path: str, headers: dict[str, str], body: Any):
        expected = base64.b64encode(f"{JIRA_EMAIL}:{self.jira_token}".encode()).decode()
        if headers.get("authorization") != f"Basic {expected}":
            # Jira Cloud answers a wrong e-mail or token with 401 and no JSON body.
            return 401, None
        if method == "POST" and path == "/rest/api/3/issue":
            errors = _jira_errors(body)
            if errors:
                return 400, {"errorMessages": [], "errors": errors}
            issue = FakeIssue(
                f"{JIRA_KEY}-{next(self._jira_numbers)}",
                body["fields"]["summary"],
                body["fields"]["description"],
            )
            self.issues[("jira", issue.ref)] = issue
            number = int(issue.ref.split("-")[1])
            return 201, {
                "id": str(10000 + number),
                "key": issue.ref,
                "self": f"{self.url}/rest/api/3/issue/{10000 + number}",
            }
        if method == "GET" and path.startswith("/rest/api/3/issue/"):
            issue = self.issues.get(("jira", path.rsplit("/", 1)[1]))
            if issue is None:
                return 404, {
                    "errorMessages": [
                        "Issue does not exist or you do not have permission to see it."
                    ],
                    "errors": {},
                }
            return 200, self._jira_issue(issue)
        return 404, {"errorMessages": ["Not found"], "errors": {}}

    # The tracker's side: an issue closes or reopens ----------------------------------------

    def set_state(
        self, kind: str, ref: str, *, closed: bool, hook_url: str = "", secret: str = ""
    ) -> httpx.Response | None:
        issue = self.issues[(kind, ref)]
        issue.closed = closed
        if not hook_url:
            return None
        body, headers = hook_event(kind, issue, closed=closed, secret=secret, fake=self)
        return httpx.post(hook_url, content=body, headers=headers, timeout=10)


def hook_event(
    kind: str, issue: FakeIssue, *, closed: bool, secret: str, fake: FakeTrackers
) -> tuple[bytes, dict[str, str]]:
    """The body and headers of the tracker's webhook for ``issue`` closing (or reopening)."""
    issue.closed = closed
    if kind == "github":
        payload = {
            "action": "closed" if closed else "reopened",
            "issue": fake._github_issue(GITHUB_REPO, issue),
            "repository": {"id": 1, "name": "platform", "full_name": GITHUB_REPO},
            "sender": {"login": "lena", "id": 7},
        }
        body = json.dumps(payload).encode()
        mac = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        return body, {
            "Content-Type": "application/json",
            "User-Agent": "GitHub-Hookshot/1a2b3c4",
            "X-GitHub-Event": "issues",
            "X-GitHub-Delivery": str(uuid.uuid4()),
            "X-Hub-Signature-256": f"sha256={mac}",
        }
    if kind == "gitlab":
        payload = {
            "object_kind": "issue",
            "event_type": "issue",
            "project": {"id": GITLAB_PROJECT_ID, "path_with_namespace": GITLAB_PATH},
            "object_attributes": {
                "iid": int(issue.ref),
                "title": issue.title,
                "state": "closed" if closed else "opened",
                "action": "close" if closed else "reopen",
            },
        }
        return json.dumps(payload).encode(), {
            "Content-Type": "application/json",
            "X-Gitlab-Event": "Issue Hook",
            "X-Gitlab-Token": secret,
        }
    payload = {
        "timestamp": 1700000000000,
        "webhookEvent": "jira:issue_updated",
        "issue_event_type_name": "issue_generic",
        "issue": fake._jira_issue(issue),
        "changelog": {"items": [{"field": "status", "toString": "Done" if closed else "To Do"}]},
    }
    return json.dumps(payload).encode(), {"Content-Type": "application/json"}


def _jira_errors(body: Any) -> dict[str, str]:
    """What Jira Cloud says about a create-issue body, field by field."""
    fields = body.get("fields") if isinstance(body, dict) else None
    if not isinstance(fields, dict):
        return {"fields": "Field 'fields' is required."}
    errors = {}
    project = fields.get("project")
    if not isinstance(project, dict) or project.get("key") != JIRA_KEY:
        errors["project"] = "valid project is required"
    if not isinstance(fields.get("summary"), str) or not fields["summary"].strip():
        errors["summary"] = "You must specify a summary of the issue."
    issuetype = fields.get("issuetype")
    if not isinstance(issuetype, dict) or issuetype.get("name") not in JIRA_ISSUE_TYPES:
        errors["issuetype"] = "Specify an issue type"
    if "description" in fields and not _is_adf(fields["description"]):
        errors["description"] = (
            "Operation value must be an Atlassian Document (see the Atlassian Document Format)."
        )
    return errors


def _is_adf(doc: Any) -> bool:
    """A document of paragraphs of text, with strong and link marks: what Marblejar sends."""
    if not (isinstance(doc, dict) and doc.get("type") == "doc" and doc.get("version") == 1):
        return False
    for block in doc.get("content", []):
        if block.get("type") != "paragraph":
            return False
        for node in block.get("content", []):
            if node.get("type") != "text" or not isinstance(node.get("text"), str):
                return False
            if not node["text"]:
                return False  # Jira refuses empty text nodes
            for mark in node.get("marks", []):
                if mark.get("type") == "link":
                    if not str(mark.get("attrs", {}).get("href", "")).startswith("http"):
                        return False
                elif mark.get("type") not in ("strong", "em", "code"):
                    return False
    return True
