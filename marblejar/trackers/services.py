"""Connect trackers, make issues of actions, and follow the issues' state.

Requests to a tracker are made outside any database transaction that holds a
lock: a slow tracker must not hold up the team. Whatever goes wrong there is
a :class:`~marblejar.trackers.clients.TrackerError` with a sentence for the
person who asked, and the latest one is kept on the tracker for its leads.
"""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from marblejar import permissions
from marblejar.lib.addresses import AddressRefused
from marblejar.reviews import services as review_services
from marblejar.reviews.models import Action
from marblejar.teams.models import Team
from marblejar.trackers.clients import IssueText, TrackerError, check_url, client_for
from marblejar.trackers.models import (
    DEFAULT_BASE_URL,
    Issue,
    IssueState,
    Kind,
    Tracker,
    new_secret,
)

logger = logging.getLogger(__name__)

# A claim ("being created") older than this is from a request that died
# between the claim and the tracker's answer; another click may retake it.
CLAIM_STALE_AFTER = timedelta(minutes=2)
# Trackers whose webhook spoke within this time are trusted to tell; the
# others are asked by the scheduled check.
HOOK_TRUSTED_FOR = timedelta(days=7)
# Closed issues are still asked about for this long, so a reopen is seen.
CLOSED_WATCHED_FOR = timedelta(days=30)
# At most this many issues of one tracker per check, the least recently checked first.
CHECK_BATCH = 100

GITHUB_REPO = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
GITLAB_PROJECT = re.compile(r"^(\d+|[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)+)$")
JIRA_KEY = re.compile(r"^[A-Z][A-Z0-9_]{0,19}$")


# Connecting ------------------------------------------------------------------------


def _clean(
    *,
    kind: str,
    base_url: str,
    project: str,
    token: str,
    email: str,
    issue_type: str,
    needs_token: bool = True,
) -> dict[str, str]:
    errors: dict[str, list[str]] = {}
    if kind not in Kind.values:
        raise ValidationError({"kind": [_("Choose GitHub, GitLab or Jira Cloud.")]})
    base_url = (base_url or "").strip().rstrip("/") or DEFAULT_BASE_URL[Kind(kind)]
    project = (project or "").strip().strip("/")
    token = (token or "").strip()
    email = (email or "").strip()
    issue_type = (issue_type or "").strip()
    if not base_url:
        errors["base_url"] = [_("Give your Jira site's address, like https://acme.atlassian.net.")]
    else:
        try:
            check_url(base_url)
        except AddressRefused as e:
            errors["base_url"] = [str(e)]
    if kind == Kind.GITHUB and not GITHUB_REPO.match(project):
        errors["project"] = [_("Give the repository as owner/name, like acme/platform.")]
    if kind == Kind.GITLAB and not GITLAB_PROJECT.match(project):
        errors["project"] = [_("Give the project's id (a number) or its path, like acme/platform.")]
    if kind == Kind.JIRA:
        project = project.upper()
        if not JIRA_KEY.match(project):
            errors["project"] = [_("Give the project's key, like PLAT.")]
        if not email:
            errors["email"] = [_("Give the e-mail address of the API token's account.")]
        issue_type = issue_type or "Task"
    if needs_token and not token:
        errors["token"] = [_("Paste the token.")]
    elif len(token) > 1000:
        errors["token"] = [_("This is too long for a token.")]
    if errors:
        raise ValidationError(errors)
    return {
        "base_url": base_url,
        "project": project,
        "token": token,
        "email": email,
        "issue_type": issue_type if kind == Kind.JIRA else "",
    }


@transaction.atomic
def tracker_connect(
    *,
    actor: Any,
    team: Team,
    kind: str,
    project: str,
    token: str,
    base_url: str = "",
    email: str = "",
    issue_type: str = "",
) -> tuple[Tracker, str]:
    """Connect a project of a tracker to the team; returns it and its webhook secret.

    The secret is returned once, to be shown once: it is kept sealed, and the
    page never shows it again (a lead can make a new one).
    """
    permissions.require(actor, "tracker.manage", team)
    clean = _clean(
        kind=kind,
        base_url=base_url,
        project=project,
        token=token,
        email=email,
        issue_type=issue_type,
    )
    if Tracker.objects.filter(
        team=team, kind=kind, base_url=clean["base_url"], project=clean["project"]
    ).exists():
        raise ValidationError({"project": [_("This project is connected already.")]})
    tracker = Tracker(
        organization_id=team.organization_id,
        team=team,
        kind=kind,
        base_url=clean["base_url"],
        project=clean["project"],
        email=clean["email"],
        issue_type=clean["issue_type"],
        created_by=actor,
    )
    tracker.set_token(clean["token"])
    secret = new_secret()
    tracker.set_secret(secret)
    tracker.save()
    return tracker, secret


@transaction.atomic
def tracker_replace_token(*, actor: Any, tracker: Tracker, token: str, email: str = "") -> Tracker:
    permissions.require(actor, "tracker.manage", tracker.team)
    token = (token or "").strip()
    if not token:
        raise ValidationError({"token": [_("Paste the new token.")]})
    if len(token) > 1000:
        raise ValidationError({"token": [_("This is too long for a token.")]})
    tracker.set_token(token)
    fields = ["token_sealed", "token_hint", "last_error", "last_error_at"]
    if tracker.kind == Kind.JIRA and email.strip():
        tracker.email = email.strip()
        fields.append("email")
    tracker.last_error, tracker.last_error_at = "", None
    tracker.save(update_fields=fields)
    return tracker


@transaction.atomic
def tracker_new_secret(*, actor: Any, tracker: Tracker) -> str:
    """A new webhook secret (the old one stops working at once); returned once."""
    permissions.require(actor, "tracker.manage", tracker.team)
    secret = new_secret()
    tracker.set_secret(secret)
    tracker.save(update_fields=["secret_sealed"])
    return secret


@transaction.atomic
def tracker_disconnect(*, actor: Any, tracker: Tracker) -> None:
    """Forget the tracker and its token; issues made keep their links, and stop following."""
    permissions.require(actor, "tracker.manage", tracker.team)
    tracker.delete()


def _remember_error(tracker: Tracker, error: TrackerError) -> None:
    Tracker.objects.filter(pk=tracker.pk).update(
        last_error=str(error)[:500], last_error_at=timezone.now()
    )


# Making an issue -------------------------------------------------------------------


def issue_text(action: Action) -> IssueText:
    """What the issue says: the action, how we will know it worked, whose it is, a link back.

    The owner is named unless the action comes from a review with anonymous
    notes; who proposed it is never sent.
    """
    paragraphs = [(_("We will know it worked when…"), action.expected_effect)]
    anonymous = action.review is not None and action.review.anonymous
    if action.owner is not None and not anonymous:
        paragraphs.append((_("Owner:"), action.owner.display_name))
    if action.due_on:
        paragraphs.append((_("Due:"), action.due_on.isoformat()))
    link = settings.SITE_URL + reverse("reviews:action", args=[action.pk])
    return IssueText(
        title=action.title,
        paragraphs=paragraphs,
        link_label=_("The improvement action in Marblejar (team %(team)s)")
        % {"team": action.team.name},
        link=link,
    )


def _claim(actor: Any, action: Action, tracker: Tracker) -> tuple[Issue, bool]:
    """The action's issue row, and whether this call claimed it (and must ask the tracker)."""
    now = timezone.now()
    try:
        with transaction.atomic():
            issue = Issue.objects.create(
                organization_id=action.organization_id,
                action=action,
                tracker=tracker,
                kind=tracker.kind,
                created_by=actor,
                created_at=now,
            )
        return issue, True
    except IntegrityError:
        pass
    existing = Issue.objects.get(action=action)
    if existing.state != IssueState.CREATING or existing.created_at > now - CLAIM_STALE_AFTER:
        return existing, False
    taken = Issue.objects.filter(
        pk=existing.pk, state=IssueState.CREATING, created_at=existing.created_at
    ).update(created_at=now, tracker=tracker, kind=tracker.kind, created_by=actor)
    return Issue.objects.get(pk=existing.pk), bool(taken)


def issue_create(*, actor: Any, action: Action, tracker: Tracker) -> tuple[Issue, bool]:
    """Make ``action`` an issue in ``tracker``; returns the issue and whether it is new.

    Once per action: a second call (a double click, two tabs) gets the issue
    the first one made, or is being made, and sends nothing. Raises
    TrackerError with the tracker's refusal in words; then nothing is kept,
    and trying again is safe.
    """
    permissions.require(actor, "tracker.issue_create", action)
    if tracker.team_id != action.team_id:
        raise ValidationError(_("Choose a tracker of this action's team."))
    issue, claimed = _claim(actor, action, tracker)
    if not claimed:
        return issue, False
    try:
        remote = client_for(tracker).create(issue_text(action))
    except TrackerError as e:
        Issue.objects.filter(pk=issue.pk, state=IssueState.CREATING).delete()
        _remember_error(tracker, e)
        raise
    except BaseException:
        # Whatever else stopped us, the claim must not block the next try.
        Issue.objects.filter(pk=issue.pk, state=IssueState.CREATING).delete()
        raise
    now = timezone.now()
    issue.ref, issue.url = remote.ref, remote.url
    issue.state = IssueState.CLOSED if remote.closed else IssueState.OPEN
    issue.state_changed_at = now
    issue.save(update_fields=["ref", "url", "state", "state_changed_at"])
    Tracker.objects.filter(pk=tracker.pk).exclude(last_error="").update(
        last_error="", last_error_at=None
    )
    return issue, True


# Following the issue ---------------------------------------------------------------


def _note(issue: Issue, closed: bool) -> str:
    names = {"tracker": issue.get_kind_display(), "issue": issue.display_ref}
    if closed:
        return _("%(tracker)s issue %(issue)s was closed.") % names
    return _("%(tracker)s issue %(issue)s was reopened.") % names


@transaction.atomic
def issue_follow(*, issue: Issue, closed: bool) -> bool:
    """The tracker says the issue is closed (or open): record it, and move its action along.

    Returns whether the action's status changed. An issue still being
    created, or already in that state, changes nothing.
    """
    issue = Issue.objects.select_for_update().select_related("action").get(pk=issue.pk)
    state = IssueState.CLOSED if closed else IssueState.OPEN
    if issue.state in (IssueState.CREATING, state):
        return False
    issue.state = state
    issue.state_changed_at = timezone.now()
    issue.save(update_fields=["state", "state_changed_at"])
    moved = review_services.action_follow_issue(
        action=issue.action, closed=closed, note=_note(issue, closed)
    )
    return moved is not None


def issue_follow_by_ref(*, tracker: Tracker, ref: str, closed: bool) -> bool | None:
    """As :func:`issue_follow`, for the issue the tracker names; None if no action became it."""
    issue = Issue.objects.filter(tracker=tracker, ref=ref).first()
    if issue is None:
        return None
    return issue_follow(issue=issue, closed=closed)


def issues_check(*, now: Any = None) -> dict[str, int]:
    """Ask trackers without a working webhook for the state of the issues actions became.

    Each tracker is its own step (``isolated``): one that cannot be reached
    is noted on the tracker for its leads and does not hold back the others.
    """
    now = now or timezone.now()
    trackers = Tracker.objects.filter(
        Q(hook_seen_at__isnull=True) | Q(hook_seen_at__lt=now - HOOK_TRUSTED_FOR)
    ).values_list("pk", flat=True)
    counts = {"trackers": 0, "checked": 0, "moved": 0}
    for tracker_id in list(trackers):
        # Not ``isolated``: that is one transaction, and the requests to the
        # tracker must not hold the database's write lock while they wait.
        try:
            result = _check_tracker(tracker_id, now)
        except Exception:
            logger.exception("Could not check the issues of tracker %s", tracker_id)
            continue
        if result:
            counts["trackers"] += 1
            counts["checked"] += result[0]
            counts["moved"] += result[1]
    return counts


def _check_tracker(tracker_id: int, now: Any) -> tuple[int, int] | None:
    tracker = Tracker.objects.filter(pk=tracker_id).first()
    if tracker is None:
        return None
    issues = list(
        Issue.objects.filter(tracker=tracker)
        .filter(
            Q(state=IssueState.OPEN)
            | Q(state=IssueState.CLOSED, state_changed_at__gte=now - CLOSED_WATCHED_FOR)
        )
        .order_by("checked_at", "id")[:CHECK_BATCH]
    )
    if not issues:
        return None
    client = client_for(tracker)
    checked = moved = 0
    for issue in issues:
        try:
            remote = client.get(issue.ref)
        except TrackerError as e:
            _remember_error(tracker, e)
            if e.status == 404:
                Issue.objects.filter(pk=issue.pk).update(checked_at=now)
                continue  # deleted, or moved: the others may still answer
            break  # the token, the network: the next issue would fail alike
        Issue.objects.filter(pk=issue.pk).update(checked_at=now)
        checked += 1
        moved += issue_follow(issue=issue, closed=remote.closed)
    Tracker.objects.filter(pk=tracker.pk).update(checked_at=now)
    return checked, moved
