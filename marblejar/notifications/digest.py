"""The weekly team digest: a team's week in one e-mail, for those who ask for it.

Team-level facts only, as on the team page: what was shared, how many marbles
the jar gained, which reviews ended and which actions come due, which pulse
results were published. Nobody's count of anything.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from marblejar.notifications.models import Mailbox
from marblejar.notifications.services import DIGEST, unsubscribe_token

logger = logging.getLogger(__name__)

WEEK = timedelta(days=7)


@dataclass
class TeamWeek:
    team: Any
    url: str
    reflections: list[tuple[str, str]] = field(default_factory=list)  # (title, url)
    marbles: int = 0
    reviews: list[tuple[str, str]] = field(default_factory=list)
    actions_due: list[tuple[str, Any]] = field(default_factory=list)  # (title, due date)
    pulses: list[tuple[str, str]] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (
            self.reflections or self.marbles or self.reviews or self.actions_due or self.pulses
        )


def team_week(*, team: Any, since: datetime, until: datetime) -> TeamWeek:
    from marblejar.jar.models import Marble
    from marblejar.pulse.models import Pulse
    from marblejar.reflections.models import Reflection
    from marblejar.reviews.models import UNFINISHED, Action, Review

    site = settings.SITE_URL
    week = TeamWeek(team=team, url=site + reverse("teams:detail", args=[team.slug]))
    week.reflections = [
        (r.title, site + r.get_absolute_url())
        for r in Reflection.objects.filter(
            team=team, status="published", published_at__gte=since, published_at__lt=until
        ).order_by("published_at")
    ]
    week.marbles = Marble.objects.filter(
        team=team, created_at__gte=since, created_at__lt=until
    ).count()
    week.reviews = [
        (r.title, site + reverse("reviews:summary", args=[r.pk]))
        for r in Review.objects.filter(
            team=team, closed_at__gte=since, closed_at__lt=until
        ).order_by("closed_at")
    ]
    today = timezone.localdate(until)
    week.actions_due = [
        (a.title, a.due_on)
        for a in Action.objects.filter(
            team=team,
            status__in=UNFINISHED,
            due_on__gte=today,
            due_on__lt=today + timedelta(days=7),
        ).order_by("due_on")
    ]
    week.pulses = [
        (p.title, site + reverse("pulse:results", args=[team.slug, p.pk]))
        for p in Pulse.objects.filter(
            team=team, published_at__gte=since, published_at__lt=until
        ).order_by("published_at")
    ]
    return week


def send_digests(*, now: datetime | None = None) -> int:
    """Send the weekly digest to everyone who asked for it and had none this week."""
    from marblejar.teams.models import Team

    now = now or timezone.now()
    sent = 0
    due = Mailbox.objects.filter(weekly_digest=True, user__is_active=True).select_related("user")
    for mailbox in due:
        if mailbox.last_digest_at and mailbox.last_digest_at > now - WEEK + timedelta(hours=1):
            continue
        user = mailbox.user
        teams = Team.objects.filter(memberships__user=user).order_by("name")
        weeks = [team_week(team=t, since=now - WEEK, until=now) for t in teams]
        weeks = [w for w in weeks if not w.is_empty]
        if weeks and user.email:
            body = render_to_string(
                "notifications/email/digest.txt",
                {
                    "user": user,
                    "weeks": weeks,
                    "stop": settings.SITE_URL
                    + reverse(
                        "notifications:unsubscribe",
                        args=[unsubscribe_token(user_id=user.pk, kind=DIGEST)],
                    ),
                },
            )
            try:
                EmailMessage(
                    subject=render_to_string(
                        "notifications/email/digest_subject.txt", {"weeks": weeks}
                    ).strip(),
                    body=body,
                    to=[user.email],
                ).send()
            except Exception:
                logger.exception("Could not send the weekly digest of user %s", user.pk)
                continue
            sent += 1
        Mailbox.objects.filter(pk=mailbox.pk).update(last_digest_at=now)
    return sent
