"""The few calls Marblejar makes to a tracker's REST API: create an issue, read its state.

* GitHub REST (``2022-11-28``): ``POST /repos/{owner}/{repo}/issues`` and
  ``GET /repos/{owner}/{repo}/issues/{number}``, with a bearer token.
* GitLab REST v4: ``POST /api/v4/projects/:id/issues`` and
  ``GET /api/v4/projects/:id/issues/:iid``, with ``PRIVATE-TOKEN``.
* Jira Cloud REST v3: ``POST /rest/api/3/issue`` (the description in
  Atlassian Document Format) and ``GET /rest/api/3/issue/{key}``, with basic
  authentication (e-mail and API token).

Every failure becomes a :class:`TrackerError` whose message a lead can act
on ("GitHub refused the token (401)."); nothing here raises anything else.

A tracker's base URL is typed by a lead, so it is checked when the tracker is
connected (:func:`check_url`) and its host again before every request, which
goes to the address that was checked (:mod:`marblejar.lib.addresses` says why).
"""

from __future__ import annotations

import base64
import ipaddress
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

from marblejar.lib.addresses import AddressRefused, is_public, pin, private_allowed, resolve
from marblejar.trackers.models import Kind, Tracker

USER_AGENT = "Marblejar"


# The base URL ---------------------------------------------------------------------------


def check_url(url: str, *, resolve_host: bool = True) -> None:
    """Refuse ``url`` unless it is http(s) to a public address (or private ones are allowed).

    With ``resolve_host``, the host name is looked up and every address it has
    must be public; a name that does not resolve is let through here (it is
    refused before each request, where it could not be reached anyway).
    """
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.scheme not in ("http", "https") or not host:
        raise AddressRefused(_("Give an address that starts with https://."))
    if parts.username or parts.password:
        raise AddressRefused(_("Leave the user name and password out of the address."))
    if private_allowed():
        return
    _check_host(host, parts.port, resolve_host=resolve_host)
    if parts.scheme == "http":
        raise AddressRefused(_("Give an address that starts with https://."))


def _check_host(host: str, port: int | None, *, resolve_host: bool) -> None:
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None:
        if not is_public(literal):
            raise AddressRefused(_refused(host))
        return
    if host == "localhost" or host.endswith((".localhost", ".local", ".internal")):
        raise AddressRefused(_refused(host))
    if not resolve_host:
        return
    try:
        addresses = resolve(host, port or 443)
    except OSError:
        return
    if not all(is_public(a) for a in addresses):
        raise AddressRefused(_refused(host))


def _refused(host: str) -> str:
    return _(
        "%(host)s is a private or local address; Marblejar sends nothing there unless "
        "the administrator sets MARBLEJAR_INTEGRATIONS_ALLOW_PRIVATE."
    ) % {"host": host}


class TrackerError(Exception):
    """A request to a tracker failed; ``str()`` is the sentence to show."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class RemoteIssue:
    ref: str  # number, iid or key
    url: str
    closed: bool


@dataclass(frozen=True)
class IssueText:
    """What an issue says: a title, labelled paragraphs and a link back."""

    title: str
    paragraphs: list[tuple[str, str]] = field(default_factory=list)  # (label, text)
    link_label: str = ""
    link: str = ""

    def markdown(self) -> str:
        lines = []
        for label, text in self.paragraphs:
            lines += [f"**{_md(label)}** {_md(text)}", ""]
        if self.link:
            lines.append(f"[{_md(self.link_label)}]({self.link})")
        return "\n".join(lines).strip() + "\n"

    def adf(self) -> dict[str, Any]:
        """The text as an Atlassian Document Format document (Jira's descriptions)."""
        content: list[dict[str, Any]] = []
        for label, text in self.paragraphs:
            content.append(
                {
                    "type": "paragraph",
                    "content": [
                        {"type": "text", "text": label, "marks": [{"type": "strong"}]},
                        {"type": "text", "text": " " + text},
                    ],
                }
            )
        if self.link:
            content.append(
                {
                    "type": "paragraph",
                    "content": [
                        {
                            "type": "text",
                            "text": self.link_label,
                            "marks": [{"type": "link", "attrs": {"href": self.link}}],
                        }
                    ],
                }
            )
        return {"type": "doc", "version": 1, "content": content}


def _md(text: str) -> str:
    # Text from people, shown as text: no headings, links, images or HTML.
    out = text.replace("\\", "\\\\")
    for ch in "*_`[]<>#|!":
        out = out.replace(ch, "\\" + ch)
    return " ".join(out.split())


def client_for(tracker: Tracker) -> TrackerClient:
    return {Kind.GITHUB: GitHub, Kind.GITLAB: GitLab, Kind.JIRA: Jira}[Kind(tracker.kind)](tracker)


class TrackerClient:
    name = ""

    def __init__(self, tracker: Tracker) -> None:
        self.tracker = tracker
        self.base = tracker.base_url.rstrip("/")

    # What each tracker does differently ----------------------------------------------

    def headers(self) -> dict[str, str]:
        raise NotImplementedError

    def create(self, text: IssueText) -> RemoteIssue:
        raise NotImplementedError

    def get(self, ref: str) -> RemoteIssue:
        raise NotImplementedError

    def detail(self, data: Any) -> str:
        """The tracker's own words about a refused request, if it gave any."""
        if isinstance(data, dict) and isinstance(data.get("message"), str):
            return data["message"]
        return ""

    # One request --------------------------------------------------------------------

    def request(
        self, method: str, path: str, *, json: Any = None, what: str = "", issue: str = ""
    ) -> Any:
        url = self.base + path
        host = urlsplit(url).hostname or ""
        try:
            check_url(url, resolve_host=False)
        except AddressRefused as e:
            raise TrackerError(str(e)) from None
        try:
            target = pin(url)
        except AddressRefused:
            raise TrackerError(_refused(host)) from None
        except OSError:
            raise TrackerError(_("Could not reach %(host)s, try again.") % {"host": host}) from None
        import httpx  # with the first request, not at every process's start

        timeout = getattr(settings, "TRACKER_TIMEOUT_SECONDS", 10)
        headers = {"Host": target.host_header, "User-Agent": USER_AGENT, **self.headers()}
        try:
            # No proxies from the environment, no redirects: the request goes
            # to the address that was checked, and nowhere else.
            with httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False) as http:
                response = http.request(
                    method, target.url, json=json, headers=headers, extensions=target.extensions
                )
        except httpx.TimeoutException:
            raise TrackerError(
                _("%(tracker)s did not answer in time (%(host)s), try again.")
                % {"tracker": self.name, "host": host}
            ) from None
        except (httpx.HTTPError, OSError):
            raise TrackerError(_("Could not reach %(host)s, try again.") % {"host": host}) from None
        try:
            data = response.json() if response.content else None
        except ValueError:
            data = None
        if response.is_success and data is not None:
            return data
        raise self.refused(response.status_code, data, issue=issue)

    def refused(self, status: int, data: Any, *, issue: str = "") -> TrackerError:
        names = {"tracker": self.name, "status": status, "project": self.tracker.project}
        detail = self.detail(data)
        if status == 401:
            message = _("%(tracker)s refused the token (%(status)s).") % names
        elif status == 403:
            message = (
                _(
                    "%(tracker)s refused access (%(status)s): the token needs to read and "
                    "write issues in %(project)s."
                )
                % names
            )
        elif status == 404 and issue:
            message = _("%(tracker)s did not find issue %(issue)s in %(project)s (%(status)s).") % {
                **names,
                "issue": issue,
            }
        elif status == 404:
            message = (
                _(
                    "%(tracker)s did not find %(project)s (%(status)s): check the project, "
                    "and that the token may see it."
                )
                % names
            )
        elif status == 410:
            message = _("%(tracker)s says issues are turned off in %(project)s (%(status)s).") % (
                names
            )
        elif status == 429:
            message = _("%(tracker)s is limiting requests (%(status)s), try again later.") % names
        elif status >= 500:
            message = _("%(tracker)s had a problem (%(status)s), try again.") % names
        elif 300 <= status < 400:
            message = (
                _("%(tracker)s answered with a redirect (%(status)s): check the address.") % names
            )
        elif 200 <= status < 300:
            message = _("%(tracker)s answered something unexpected (%(status)s).") % names
        else:
            message = _("%(tracker)s refused the request (%(status)s).") % names
        if detail and status not in (401, 404):
            message += " " + _("It said: “%(detail)s”") % {"detail": detail[:200]}
        return TrackerError(message, status=status)

    def parsed(self, data: Any, make: Any) -> RemoteIssue:
        try:
            return make(data)
        except (KeyError, TypeError, ValueError):
            raise TrackerError(
                _("%(tracker)s answered something unexpected.") % {"tracker": self.name}
            ) from None


class GitHub(TrackerClient):
    name = "GitHub"

    def headers(self) -> dict[str, str]:
        return {
            "Accept": "application/vnd.github+json",
            "Authorization": f"Bearer {self.tracker.token}",
            "X-GitHub-Api-Version": "2022-11-28",
        }

    def _repo(self) -> str:
        owner, _slash, repo = self.tracker.project.partition("/")
        return f"/repos/{quote(owner, safe='')}/{quote(repo, safe='')}"

    @staticmethod
    def _issue(data: Any) -> RemoteIssue:
        return RemoteIssue(
            ref=str(int(data["number"])),
            url=str(data["html_url"]),
            closed=data["state"] == "closed",
        )

    def create(self, text: IssueText) -> RemoteIssue:
        body = {"title": text.title, "body": text.markdown()}
        return self.parsed(self.request("POST", self._repo() + "/issues", json=body), self._issue)

    def get(self, ref: str) -> RemoteIssue:
        data = self.request("GET", f"{self._repo()}/issues/{quote(ref)}", issue=f"#{ref}")
        return self.parsed(data, self._issue)


class GitLab(TrackerClient):
    name = "GitLab"

    def headers(self) -> dict[str, str]:
        return {"PRIVATE-TOKEN": self.tracker.token, "Accept": "application/json"}

    def _project(self) -> str:
        # A path (group/project) is one URL-encoded segment; an id is a number.
        return "/api/v4/projects/" + quote(self.tracker.project, safe="")

    @staticmethod
    def _issue(data: Any) -> RemoteIssue:
        return RemoteIssue(
            ref=str(int(data["iid"])), url=str(data["web_url"]), closed=data["state"] == "closed"
        )

    def detail(self, data: Any) -> str:
        if isinstance(data, dict):
            message = data.get("message") or data.get("error")
            if isinstance(message, dict):
                return "; ".join(f"{k} {' '.join(map(str, v))}" for k, v in message.items())
            if isinstance(message, str):
                return message
        return ""

    def create(self, text: IssueText) -> RemoteIssue:
        body = {"title": text.title, "description": text.markdown()}
        data = self.request("POST", self._project() + "/issues", json=body)
        return self.parsed(data, self._issue)

    def get(self, ref: str) -> RemoteIssue:
        data = self.request("GET", f"{self._project()}/issues/{quote(ref)}", issue=f"#{ref}")
        return self.parsed(data, self._issue)


class Jira(TrackerClient):
    name = "Jira"

    def headers(self) -> dict[str, str]:
        pair = f"{self.tracker.email}:{self.tracker.token}".encode()
        return {
            "Authorization": "Basic " + base64.b64encode(pair).decode(),
            "Accept": "application/json",
        }

    def detail(self, data: Any) -> str:
        if isinstance(data, dict):
            parts = [str(m) for m in data.get("errorMessages") or []]
            errors = data.get("errors")
            if isinstance(errors, dict):
                parts += [f"{k}: {v}" for k, v in errors.items()]
            return " ".join(parts)
        return ""

    def _browse(self, key: str) -> str:
        return f"{self.base}/browse/{quote(key)}"

    def create(self, text: IssueText) -> RemoteIssue:
        body = {
            "fields": {
                "project": {"key": self.tracker.project},
                "summary": text.title,
                "issuetype": {"name": self.tracker.issue_type or "Task"},
                "description": text.adf(),
            }
        }
        data = self.request("POST", "/rest/api/3/issue", json=body)
        return self.parsed(
            data, lambda d: RemoteIssue(ref=str(d["key"]), url=self._browse(d["key"]), closed=False)
        )

    def get(self, ref: str) -> RemoteIssue:
        data = self.request("GET", f"/rest/api/3/issue/{quote(ref)}?fields=status", issue=ref)
        return self.parsed(
            data,
            lambda d: RemoteIssue(
                ref=str(d["key"]),
                url=self._browse(d["key"]),
                closed=is_jira_done(d["fields"]["status"]),
            ),
        )


def is_jira_done(status: dict[str, Any]) -> bool:
    """A Jira status is "closed" when it is in the Done category, whatever its name."""
    return status["statusCategory"]["key"] == "done"
