from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject


def bell(request: HttpRequest) -> dict[str, Any]:
    """The header's unread count: one indexed query, only when the header is shown."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def count() -> int:
        from marblejar.notifications.selectors import unread_count

        return unread_count(user_id=user.pk)

    return {"unread_notifications": SimpleLazyObject(count)}
