"""Notification e-mail, sent by ``marblejar worker``: batched, with unsubscribe links."""

from __future__ import annotations

import logging
from datetime import time

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.tasks import task
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import ngettext

from marblejar.lib import periodic
from marblejar.notifications import selectors, services
from marblejar.notifications.kinds import KINDS
from marblejar.notifications.models import Mailbox

logger = logging.getLogger(__name__)


def unsubscribe_url(*, user_id: int, kind: str) -> str:
    token = services.unsubscribe_token(user_id=user_id, kind=kind)
    return settings.SITE_URL + reverse("notifications:unsubscribe", args=[token])


@task
def send_notification_email(*, user_id: int) -> int:
    """Send the person one e-mail with everything waiting for it; returns how many it held.

    Several tasks may be queued for one person (one per notification); the
    mailbox row's lock makes the first send everything and the others nothing.
    """
    from marblejar.accounts.models import User

    with transaction.atomic():
        user = User.objects.filter(pk=user_id, is_active=True).first()
        if user is None or not user.email:
            return 0
        mailbox, _created = Mailbox.objects.select_for_update().get_or_create(user=user)
        due = selectors.email_due(user_id=user_id)
        if not due:
            return 0
        now = timezone.now()
        urgent = any(KINDS[n.kind].urgent for n in due if n.kind in KINDS)
        if (
            not urgent
            and mailbox.last_email_at is not None
            and mailbox.last_email_at + services.EMAIL_INTERVAL > now
        ):
            # Within the hour of the last e-mail: the task queued for the
            # end of that hour sends this too.
            return 0
        kinds = list(dict.fromkeys(n.kind for n in due))
        context = {
            "user": user,
            # Through the notification, so that following the link marks it read.
            "items": [
                (n.text, settings.SITE_URL + reverse("notifications:open", args=[n.pk]))
                for n in due
            ],
            "stop": [
                (KINDS[k].label, unsubscribe_url(user_id=user_id, kind=k))
                for k in kinds
                if k in KINDS
            ],
            "preferences": settings.SITE_URL + reverse("notifications:preferences"),
        }
        subject = (
            due[0].text
            if len(due) == 1
            else ngettext(
                "%d thing to know in Marblejar", "%d things to know in Marblejar", len(due)
            )
            % len(due)
        )
        message = EmailMessage(
            subject=subject[:180],
            body=render_to_string("notifications/email/batch.txt", context),
            to=[user.email],
            headers={
                # One-click unsubscribe (RFC 8058) from this e-mail's first kind;
                # each kind has its own link in the body.
                "List-Unsubscribe": f"<{unsubscribe_url(user_id=user_id, kind=kinds[0])}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            },
        )
        try:
            message.send()
        except Exception:
            logger.exception("Could not send the notification e-mail of user %s", user_id)
            return 0
        services.email_sent(user_id=user_id, notification_ids=[n.pk for n in due], at=now)
        return len(due)


@task
def send_weekly_digests() -> int:
    """Monday morning: the week of each team, to everyone who asked for it."""
    from marblejar.notifications.digest import send_digests

    sent = send_digests()
    periodic.schedule_next(send_weekly_digests)
    return sent


periodic.register(send_weekly_digests, next_run=periodic.weekly(0, time(7, 0)))
