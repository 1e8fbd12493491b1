"""Telling people: in the app at once, by e-mail from the task queue, batched.

A feature that wants someone to hear about something calls :func:`notify`
inside its own transaction, with one of the kinds of
:mod:`marblejar.notifications.kinds`. Each recipient's preference decides
whether they get it in the app, by e-mail too, or not at all. When the
transaction commits, the bell of everyone notified updates live, and e-mail
is queued: at most one e-mail per person per hour (urgent kinds go at once),
each with a one-click unsubscribe link per kind.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext as _

from marblejar.accounts.models import User
from marblejar.lib import events
from marblejar.notifications.kinds import KINDS, Channel, KindInfo
from marblejar.notifications.models import Mailbox, Notification, Preference

EMAIL_INTERVAL = timedelta(hours=1)
UNSUBSCRIBE_SALT = "marblejar.notifications.unsubscribe"
UNSUBSCRIBE_MAX_AGE = timedelta(days=60)


def user_stream(user_id: int) -> str:
    # Not "user:<id>": that stream carries a person's access notices.
    return f"inbox:{user_id}"


def channels_for(*, users: Iterable[Any], kind: str) -> dict[int, Channel]:
    """Each user's channel for ``kind``: their preference, or the kind's default (one query)."""
    info = KINDS[kind]
    ids = [u.pk for u in users]
    chosen = dict(
        Preference.objects.filter(user_id__in=ids, kind=kind).values_list("user_id", "channel")
    )
    return {pk: Channel(chosen.get(pk, info.default)) for pk in ids}


def notify(
    *,
    recipients: Iterable[Any],
    kind: str,
    url: str,
    params: Mapping[str, Any],
    team: Any = None,
    organization_id: int | None = None,
) -> list[Notification]:
    """Tell ``recipients`` about something, as each of them prefers.

    Call it inside the transaction of the change it is about: nothing is
    shown or sent unless that commits. Inactive accounts are skipped, and so
    is nobody: a caller never needs to filter out the person who acted.
    Guests of a review are never told anything (they have no inbox).
    """
    info = KINDS[kind]
    people = {
        u.pk: u
        for u in recipients
        if u is not None and u.is_active and not getattr(u, "is_guest", False)
    }
    if not people:
        return []
    channels = channels_for(users=people.values(), kind=kind)
    now = timezone.now()
    clean = {k: str(v) for k, v in params.items()}
    with transaction.atomic():
        created = Notification.objects.bulk_create(
            Notification(
                organization_id=organization_id or user.organization_id,
                recipient=user,
                kind=kind,
                team=team,
                params=clean,
                url=url,
                created_at=now,
                by_email=channels[pk] == Channel.EMAIL and bool(user.email),
            )
            for pk, user in people.items()
            if channels[pk] != Channel.OFF
        )
        # One notification each: the bell's count on each person's row goes up by one.
        _count_unread([n.recipient_id for n in created], +1)
    emailed = [n.recipient_id for n in created if n.by_email]

    def after_commit() -> None:
        for notification in created:
            _announce(notification.recipient_id, notification.organization_id)
        for user_id in emailed:
            _queue_email(user_id, info=info)

    transaction.on_commit(after_commit, robust=True)
    return created


def _count_unread(user_ids: Iterable[int], change: int) -> None:
    """Move the unread count kept on each person's row (the header's bell) by ``change``.

    An F() update in the caller's transaction, so that concurrent changes
    add up; never below zero.
    """
    ids = list(user_ids)
    if ids and change:
        User.objects.filter(pk__in=ids).update(
            unread_notifications=Greatest(F("unread_notifications") + change, Value(0))
        )


def notification_deleted(*, notification: Notification) -> None:
    """Keep the bell's count exact when a notification goes (a team's deletion, by cascade)."""
    if notification.read_at is None:
        _count_unread([notification.recipient_id], -1)


def _announce(user_id: int, organization_id: int) -> None:
    """Update the person's bell, wherever they have Marblejar open."""
    unread = User.objects.filter(pk=user_id).values_list("unread_notifications", flat=True).first()
    events.publish(
        organization_id=organization_id,
        stream=user_stream(user_id),
        kind="notification",
        payload={"user_id": user_id, "unread": unread or 0},
    )


def _queue_email(user_id: int, *, info: KindInfo) -> None:
    """Queue the person's e-mail: at once when urgent or none went out within the hour."""
    from marblejar.notifications import tasks

    mailbox = Mailbox.objects.filter(user_id=user_id).first()
    last = mailbox.last_email_at if mailbox else None
    when = timezone.now()
    if not info.urgent and last is not None and last + EMAIL_INTERVAL > when:
        when = last + EMAIL_INTERVAL
    tasks.send_notification_email.using(run_after=when).enqueue(user_id=user_id)


# Reading and preferences ----------------------------------------------------------


@transaction.atomic
def notifications_mark_read(*, user: Any, ids: Iterable[int] | None = None) -> int:
    """Mark the user's notifications read (all of them without ``ids``); returns how many."""
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=list(ids))
    marked = unread.update(read_at=timezone.now())
    if marked:
        _count_unread([user.pk], -marked)
        # This request's header too, if it draws one.
        if hasattr(user, "unread_notifications"):
            user.unread_notifications = max(0, user.unread_notifications - marked)
        transaction.on_commit(lambda: _announce(user.pk, user.organization_id))
    return marked


@transaction.atomic
def preferences_update(
    *, user: Any, channels: Mapping[str, str], weekly_digest: bool | None = None
) -> None:
    errors = {}
    for kind, channel in channels.items():
        if kind not in KINDS:
            errors[kind] = _("There is no notification of this kind.")
        elif channel not in {c.value for c in Channel}:
            errors[kind] = _("Choose in the app, by e-mail too, or off.")
    if errors:
        raise ValidationError(errors)
    for kind, channel in channels.items():
        if channel == KINDS[kind].default:
            Preference.objects.filter(user=user, kind=kind).delete()
        else:
            Preference.objects.update_or_create(user=user, kind=kind, defaults={"channel": channel})
    if weekly_digest is not None:
        Mailbox.objects.update_or_create(user=user, defaults={"weekly_digest": weekly_digest})


def unsubscribe_token(*, user_id: int, kind: str) -> str:
    """A link's token that turns off e-mail of ``kind`` for the person, without logging in."""
    return signing.dumps({"u": user_id, "k": kind}, salt=UNSUBSCRIBE_SALT, compress=True)


class UnsubscribeError(ValidationError):
    pass


def unsubscribe_read(token: str) -> tuple[Any, str]:
    """(user, kind) of a token, or UnsubscribeError when it is forged or too old."""
    from marblejar.accounts.models import User

    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT, max_age=UNSUBSCRIBE_MAX_AGE)
    except signing.SignatureExpired:
        raise UnsubscribeError(
            _("This link has expired. Change what you receive on your account page.")
        ) from None
    except signing.BadSignature:
        raise UnsubscribeError(_("This link is not valid.")) from None
    user = User.objects.filter(pk=data.get("u"), is_active=True).first()
    kind = data.get("k")
    if user is None or (kind not in KINDS and kind != DIGEST):
        raise UnsubscribeError(_("This link is not valid."))
    return user, kind


DIGEST = "weekly_digest"


@transaction.atomic
def unsubscribe(token: str) -> tuple[Any, str]:
    """Turn off e-mail of the token's kind: in-app stays (the weekly digest simply stops)."""
    user, kind = unsubscribe_read(token)
    if kind == DIGEST:
        Mailbox.objects.update_or_create(user=user, defaults={"weekly_digest": False})
    else:
        current = channels_for(users=[user], kind=kind)[user.pk]
        if current == Channel.EMAIL:
            preferences_update(user=user, channels={kind: Channel.IN_APP})
    return user, kind


def email_sent(*, user_id: int, notification_ids: list[int], at: datetime) -> None:
    Notification.objects.filter(pk__in=notification_ids).update(emailed_at=at)
    Mailbox.objects.update_or_create(user_id=user_id, defaults={"last_email_at": at})
