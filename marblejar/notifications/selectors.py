"""Reads for notifications: always the reader's own."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from marblejar.notifications.kinds import KINDS, Channel
from marblejar.notifications.models import Mailbox, Notification, Preference


def unread_count(*, user_id: int) -> int:
    return Notification.objects.filter(recipient_id=user_id, read_at__isnull=True).count()


def notification_list(*, user: Any) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user).select_related("team")


def preferences_of(*, user: Any) -> list[tuple[Any, Channel]]:
    """Every kind with the person's channel for it, in the kinds' order."""
    chosen = dict(Preference.objects.filter(user=user).values_list("kind", "channel"))
    return [(info, Channel(chosen.get(key, info.default))) for key, info in KINDS.items()]


def weekly_digest_of(*, user: Any) -> bool:
    mailbox = Mailbox.objects.filter(user=user).first()
    return bool(mailbox and mailbox.weekly_digest)


def email_due(*, user_id: int) -> list[Notification]:
    return list(
        Notification.objects.filter(
            recipient_id=user_id, by_email=True, emailed_at__isnull=True
        ).order_by("created_at", "id")
    )
