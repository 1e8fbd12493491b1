"""Reads: a team's trackers, and the issues that a list of actions became."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _

from marblejar import permissions
from marblejar.reviews.extensions import ActionExtension
from marblejar.teams.models import Team
from marblejar.trackers.models import Issue, Tracker


def trackers_for_team(*, team: Team) -> QuerySet[Tracker]:
    return Tracker.objects.filter(organization_id=team.organization_id, team=team).order_by(
        "created_at", "id"
    )


def tracker_get(*, user: Any, team: Team, tracker_id: int) -> Tracker:
    """One of the team's trackers, for whoever manages them; 404 otherwise."""
    tracker = trackers_for_team(team=team).filter(pk=tracker_id).first()
    if tracker is None:
        raise Http404
    permissions.require(user, "tracker.manage", team)
    return tracker


def tracker_for_issue(*, team: Team, tracker_id: int | None) -> Tracker | None:
    if tracker_id is None:
        return None
    return trackers_for_team(team=team).filter(pk=tracker_id).first()


def tracker_by_hook(*, hook_id: str) -> Tracker | None:
    return Tracker.objects.filter(hook_id=hook_id).first()


def _load(*, user: Any, team: Team, actions: Sequence[Any]) -> dict[str, Any]:
    """Each action's issue (``action.issue_link``), and the trackers one can be made in.

    Two queries whatever the number of actions; the trackers only for
    someone who may make issues (the team's members).
    """
    ids = [a.pk for a in actions]
    issues = {
        i.action_id: i
        for i in Issue.objects.filter(organization_id=team.organization_id, action_id__in=ids)
    }
    for action in actions:
        action.issue_link = issues.get(action.pk)
    may_create = bool(actions) and permissions.is_member(user, team)
    trackers = (
        list(trackers_for_team(team=team).only("id", "kind", "project")) if may_create else []
    )
    manage = permissions.can(user, "tracker.manage", team)
    url = reverse("trackers:list", args=[team.slug]) if manage else ""
    return {
        "tracker_choices": trackers,
        "trackers_url": url,
        "action_links": [{"label": _("Issue trackers"), "url": url}] if manage else [],
        # A row shows an issue, or a button to make one: nothing without either.
        "action_rows": bool(issues or trackers),
    }


action_issue_extension = ActionExtension(
    template="trackers/_action_issue.html", load=_load, stylesheet="trackers/trackers.css"
)
