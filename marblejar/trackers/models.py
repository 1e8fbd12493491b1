"""Issue trackers a team connects (GitHub, GitLab, Jira Cloud), and the issues
that improvement actions became in them.

A token is *sealed* (see :mod:`marblejar.lib.sealing`) under this app's own
namespace and never shown again: the page shows its last four characters.
The webhook secret is sealed too; Marblejar needs it back to check a
signature, and shows it in full once, when it is made.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from marblejar.accounts.models import Organization
from marblejar.lib.sealing import decrypt, encrypt
from marblejar.reviews.models import Action
from marblejar.teams.models import Team

SEAL_NAMESPACE = "marblejar.trackers."


class Kind(models.TextChoices):
    GITHUB = "github", "GitHub"
    GITLAB = "gitlab", "GitLab"
    JIRA = "jira", "Jira Cloud"


DEFAULT_BASE_URL = {
    Kind.GITHUB: "https://api.github.com",
    Kind.GITLAB: "https://gitlab.com",
    Kind.JIRA: "",
}


def new_hook_id() -> str:
    return secrets.token_urlsafe(18)


def new_secret() -> str:
    return secrets.token_urlsafe(32)


class Tracker(models.Model):
    """One project in one tracker, connected by a lead of the team."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="trackers")
    kind = models.CharField(max_length=10, choices=Kind)
    # The API's address: https://api.github.com, a GitHub Enterprise
    # https://github.example.com/api/v3, https://gitlab.com or a GitLab of
    # one's own, https://acme.atlassian.net for Jira Cloud.
    base_url = models.URLField(max_length=300)
    # owner/repo (GitHub), a project's id or path (GitLab), a project key (Jira).
    project = models.CharField(max_length=200)
    email = models.EmailField(blank=True)  # Jira: whose API token it is
    issue_type = models.CharField(max_length=60, blank=True)  # Jira: Task, Story, ...
    token_sealed = models.BinaryField()
    token_hint = models.CharField(max_length=8, blank=True)
    # The address a webhook posts to is /hooks/trackers/<hook_id>/; the
    # secret proves that the tracker sent it.
    hook_id = models.CharField(max_length=40, unique=True, default=new_hook_id)
    secret_sealed = models.BinaryField()
    hook_seen_at = models.DateTimeField(null=True, blank=True)
    checked_at = models.DateTimeField(null=True, blank=True)
    # The latest thing that went wrong talking to it, in words for the lead.
    last_error = models.CharField(max_length=500, blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.project}"

    @property
    def label(self) -> str:
        return f"{self.get_kind_display()} · {self.project}"

    @property
    def token(self) -> str:
        return decrypt(self.token_sealed, namespace=SEAL_NAMESPACE + "token").decode()

    def set_token(self, token: str) -> None:
        self.token_sealed = encrypt(token.encode(), namespace=SEAL_NAMESPACE + "token")
        self.token_hint = token[-4:] if len(token) >= 12 else ""

    @property
    def secret(self) -> str:
        return decrypt(self.secret_sealed, namespace=SEAL_NAMESPACE + "secret").decode()

    def set_secret(self, secret: str) -> None:
        self.secret_sealed = encrypt(secret.encode(), namespace=SEAL_NAMESPACE + "secret")


class IssueState(models.TextChoices):
    CREATING = "creating", _("Being created")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class Issue(models.Model):
    """The issue an improvement action became: one per action.

    The row is written *before* the tracker is asked (state ``creating``), so
    that a second click, or a second process, finds it and asks nothing: the
    one-to-one column is the lock. It keeps its number and address when the
    tracker is disconnected.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    action = models.OneToOneField(Action, on_delete=models.CASCADE, related_name="tracker_issue")
    tracker = models.ForeignKey(
        Tracker, on_delete=models.SET_NULL, null=True, blank=True, related_name="issues"
    )
    kind = models.CharField(max_length=10, choices=Kind)
    # The issue's number (GitHub), iid (GitLab) or key (Jira), as the tracker names it.
    ref = models.CharField(max_length=60, blank=True)
    url = models.URLField(max_length=500, blank=True)
    state = models.CharField(max_length=10, choices=IssueState, default=IssueState.CREATING)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    state_changed_at = models.DateTimeField(null=True, blank=True)
    checked_at = models.DateTimeField(null=True, blank=True)  # by the scheduled check

    class Meta:
        indexes = [models.Index(fields=["tracker", "state"], name="tracker_issue_state")]

    def __str__(self) -> str:
        return self.display_ref

    @property
    def display_ref(self) -> str:
        return self.ref if self.kind == Kind.JIRA else f"#{self.ref}"
