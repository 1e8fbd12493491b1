"""Keeps the unread count on each person's row exact when notifications are deleted.

Deleting a team, an organization or a person deletes their notifications by
cascade, outside the notification services: this receiver (which Django calls
for cascades as well, in the same transaction) takes each unread one off the
count. Creating and reading notifications go through the services.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete


def _deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    from marblejar.notifications.services import notification_deleted

    notification_deleted(notification=instance)


def connect() -> None:
    from marblejar.notifications.models import Notification

    post_delete.connect(_deleted, sender=Notification, dispatch_uid="notifications-unread-count")
