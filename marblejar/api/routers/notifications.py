"""Your notifications and how you hear about each kind (always your own)."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.pagination import paginate

from marblejar.api.schemas import Error, Flag, Id, Text
from marblejar.notifications import selectors, services
from marblejar.notifications.kinds import KINDS

router = Router(tags=["notifications"])

ERRORS = {400: Error, 401: Error, 403: Error, 422: Error}


class NotificationOut(Schema):
    id: int
    kind: str = Field(description="One of the kinds listed by GET /notifications/preferences")
    text: str = Field(description="What happened, in a sentence")
    url: str = Field(description="The page it is about (a path on this site)")
    team: str | None = Field(description="The team's short name, if it is about one")
    created_at: datetime
    read: bool


class ReadIn(Schema):
    ids: list[Id] | None = Field(
        default=None, description="The notifications to mark read; all of yours when left out."
    )


class ReadOut(Schema):
    marked: int
    unread: int


class PreferenceOut(Schema):
    kind: str
    label: str
    channel: str = Field(description="in_app, email or off")


class PreferencesOut(Schema):
    kinds: list[PreferenceOut]
    weekly_digest: bool


class PreferencesIn(Schema):
    channels: dict[Text, Text] = Field(
        default_factory=dict, description="Kind → in_app, email or off (only those to change)"
    )
    weekly_digest: Flag | None = None


def notification_out(n) -> dict:
    return {
        "id": n.pk,
        "kind": n.kind,
        "text": n.text,
        "url": n.url,
        "team": n.team.slug if n.team else None,
        "created_at": n.created_at,
        "read": n.is_read,
    }


@router.get(
    "/notifications",
    response={200: list[NotificationOut], **ERRORS},
    summary="Your notifications, newest first",
)
@paginate
def notification_list(request: HttpRequest):
    return [notification_out(n) for n in selectors.notification_list(user=request.user)]


@router.post(
    "/notifications/read", response={200: ReadOut, **ERRORS}, summary="Mark notifications read"
)
def notification_read(request: HttpRequest, data: ReadIn):
    marked = services.notifications_mark_read(user=request.user, ids=data.ids)
    return {"marked": marked, "unread": selectors.unread_count(user_id=request.user.pk)}


def _preferences(user) -> dict:
    return {
        "kinds": [
            {"kind": info.key, "label": str(info.label), "channel": channel.value}
            for info, channel in selectors.preferences_of(user=user)
        ],
        "weekly_digest": selectors.weekly_digest_of(user=user),
    }


@router.get(
    "/notifications/preferences",
    response={200: PreferencesOut, **ERRORS},
    summary="How you hear about each kind",
)
def preferences_get(request: HttpRequest):
    return _preferences(request.user)


@router.put(
    "/notifications/preferences",
    response={200: PreferencesOut, **ERRORS},
    summary=f"Change how you hear about some kinds ({', '.join(KINDS)})",
)
def preferences_put(request: HttpRequest, data: PreferencesIn):
    services.preferences_update(
        user=request.user, channels=data.channels, weekly_digest=data.weekly_digest
    )
    return _preferences(request.user)
