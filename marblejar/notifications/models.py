"""Notifications: what someone should hear about, read in the app or by e-mail."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from marblejar.accounts.models import Organization
from marblejar.notifications.kinds import KINDS, Channel
from marblejar.teams.models import Team


class Notification(models.Model):
    """One thing one person should hear about, with a link to it."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=40)
    team = models.ForeignKey(
        Team, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    # Plain values for the kind's sentence (names, titles, dates as text):
    # rendered in the reader's language when shown.
    params = models.JSONField(default=dict)
    url = models.CharField(max_length=500)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    # Whether it goes out by e-mail too, and when it did.
    by_email = models.BooleanField(default=False)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notification_unread"),
            models.Index(fields=["recipient", "-created_at"], name="notification_recent"),
            models.Index(fields=["by_email", "emailed_at"], name="notification_email_due"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.recipient_id}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

    @property
    def text(self) -> str:
        info = KINDS.get(self.kind)
        if info is None:
            return ""
        try:
            return str(info.sentence) % self.params
        except (KeyError, TypeError, ValueError):
            return str(info.label)


class Preference(models.Model):
    """How one person wants to hear about one kind; without a row, the kind's default."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(max_length=40)
    channel = models.CharField(max_length=10, choices=[(c.value, c.value) for c in Channel])

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notification_preference_unique")
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.channel}"


class Mailbox(models.Model):
    """Per person: when the last notification e-mail went out, and the weekly digest."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="mailbox"
    )
    last_email_at = models.DateTimeField(null=True, blank=True)
    weekly_digest = models.BooleanField(_("a weekly e-mail about my teams"), default=False)
    last_digest_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"mailbox of {self.user_id}"

    def as_dict(self) -> dict[str, Any]:
        return {"weekly_digest": self.weekly_digest}
