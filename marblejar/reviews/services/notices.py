"""Telling the team that a review is scheduled or has started, through the notifications.

Called inside the transaction of the change, so nobody hears of a review
that was not scheduled, and each person's choice for the kind (in the app,
by e-mail too, off) applies. The person who acted is not told about their
own act.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from marblejar.lib.dates import moment
from marblejar.reviews.models import Kind, Review
from marblejar.teams.models import Membership


def _team(review: Review, *, leaving_out: Any) -> list[Any]:
    skip = getattr(leaving_out, "pk", None)
    return [
        m.user
        for m in Membership.objects.filter(
            organization_id=review.organization_id, team_id=review.team_id
        ).select_related("user")
        if m.user_id != skip
    ]


def _params(review: Review) -> dict[str, str]:
    return {
        "kind": str(Kind(review.kind).label).lower(),
        "title": review.title,
        "team": review.team.name,
    }


def tell_scheduled(review: Review, *, actor: Any) -> None:
    from django.utils.translation import gettext as _

    from marblejar.notifications.services import notify

    when = (
        moment(review.scheduled_for) if review.scheduled_for else _("open now, no start time set")
    )
    notify(
        recipients=_team(review, leaving_out=actor),
        kind="review_scheduled",
        url=reverse("reviews:board", args=[review.pk]),
        params={**_params(review), "actor": actor.display_name, "when": when},
        team=review.team,
    )
    _broadcast(review, "review.scheduled")


def tell_started(review: Review) -> None:
    from marblejar.notifications.services import notify

    notify(
        recipients=_team(review, leaving_out=review.facilitator),
        kind="review_starting",
        url=reverse("reviews:board", args=[review.pk]),
        params=_params(review),
        team=review.team,
    )
    _broadcast(review, "review.started")


def tell_closed(review: Review) -> None:
    """The team's chat or webhook hears that the review closed, with its summary's link."""
    _broadcast(review, "review.closed")


def _broadcast(review: Review, event: str) -> None:
    # A review's title, kind, times and links: never a note, so an anonymous
    # review stays anonymous outside too.
    from marblejar.integrations import payloads
    from marblejar.integrations.services import broadcast

    broadcast(team=review.team, event=event, payload=lambda: payloads.review(review, event=event))
