"""The sections of "Download my data" that the registry lists and no app added yet.

Registered into :data:`marblejar.accounts.services.EXPORTERS` when the app
loads. ``tests/test_personal.py`` checks that every key the registry names
under ``personal`` is in the download.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.utils import timezone

from marblejar.notifications.models import Mailbox, Notification, Preference
from marblejar.portability.export import day, when
from marblejar.pulse.models import Participation
from marblejar.reviews.models import Action, Participant


def pulse_participations(user: Any) -> list[dict[str, Any]]:
    """Which pulses the person answered: never what they answered, which nothing links to them."""
    rows = Participation.objects.filter(user=user).select_related("pulse__team")
    return [
        {
            "pulse": p.pulse.title,
            "team": p.pulse.team.name,
            "opened": day(timezone.localdate(p.pulse.opens_at)),
            "closes": day(timezone.localdate(p.pulse.closes_at)),
        }
        for p in sorted(rows, key=lambda p: (p.pulse.opens_at, p.pulse_id))
    ]


def review_participations(user: Any) -> list[dict[str, Any]]:
    rows = Participant.objects.filter(user=user).select_related("review__team")
    return [
        {
            "review": p.review.title,
            "team": p.review.team.name,
            "kind": p.review.kind,
            "anonymous_notes": p.review.anonymous,
            "joined_at": when(p.joined_at),
        }
        for p in sorted(rows, key=lambda p: (p.joined_at, p.pk))
    ]


def actions(user: Any) -> list[dict[str, Any]]:
    rows = (
        Action.objects.filter(Q(owner=user) | Q(created_by=user))
        .select_related("team")
        .order_by("created_at", "pk")
    )
    return [
        {
            "action": a.title,
            "team": a.team.name,
            "owner": a.owner_id == user.pk,
            "created_by_me": a.created_by_id == user.pk,
            "status": a.status,
            "due_on": day(a.due_on),
            "expected_effect": a.expected_effect,
            "status_note": a.status_note,
            "check_result": a.check_result,
        }
        for a in rows
    ]


def notifications(user: Any) -> list[dict[str, Any]]:
    return [
        {
            "kind": n.kind,
            "text": n.text,
            "url": n.url,
            "created_at": when(n.created_at),
            "read_at": when(n.read_at),
            "emailed_at": when(n.emailed_at),
        }
        for n in Notification.objects.filter(recipient=user).order_by("created_at", "pk")
    ]


def notification_settings(user: Any) -> dict[str, Any]:
    mailbox = Mailbox.objects.filter(user=user).first()
    return {
        "channels": {
            p.kind: p.channel for p in Preference.objects.filter(user=user).order_by("kind")
        },
        "weekly_digest": mailbox.weekly_digest if mailbox else False,
        "last_email_at": when(mailbox.last_email_at) if mailbox else None,
    }


SECTIONS = {
    "pulse_participations": pulse_participations,
    "review_participations": review_participations,
    "actions": actions,
    "notifications": notifications,
    "notification_settings": notification_settings,
}
