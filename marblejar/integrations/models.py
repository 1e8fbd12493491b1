"""A team's outgoing integrations and what was delivered to them.

The address (a Slack or Teams webhook URL holds its own credential) and a
webhook's signing secret are sealed with :mod:`marblejar.lib.sealing`; the
page shows only their hint (host and last four characters).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from marblejar.accounts.models import Organization
from marblejar.teams.models import Team


class Kind(models.TextChoices):
    SLACK = "slack", _("Slack")
    TEAMS = "teams", _("Microsoft Teams")
    WEBHOOK = "webhook", _("Webhook (JSON)")


class PausedBecause(models.TextChoices):
    LEAD = "lead", _("paused by a lead")
    FAILURES = "failures", _("paused after failed deliveries")


class Integration(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="integrations")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind)
    name = models.CharField(_("name"), max_length=100)
    url_sealed = models.BinaryField()
    # Shown instead of the address: its host and last four characters.
    url_hint = models.CharField(max_length=300)
    # Generic webhooks only: the key of X-Marblejar-Signature.
    secret_sealed = models.BinaryField(blank=True, default=b"")
    secret_hint = models.CharField(max_length=20, blank=True)
    events = models.JSONField(default=list)
    paused_at = models.DateTimeField(null=True, blank=True)
    paused_because = models.CharField(max_length=10, choices=PausedBecause, blank=True)
    # Failed attempts since the last success; at PAUSE_AFTER the integration pauses.
    failures_in_a_row = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("integration")
        ordering = ["name", "pk"]
        indexes = [models.Index(fields=["team", "paused_at"], name="integration_team_active")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_paused(self) -> bool:
        return self.paused_at is not None

    def sends(self, event: str) -> bool:
        return event in self.events


class Status(models.TextChoices):
    PENDING = "pending", _("waiting")
    RETRYING = "retrying", _("retrying")
    DELIVERED = "delivered", _("delivered")
    FAILED = "failed", _("failed")
    # The integration was paused or deleted before this went out.
    DROPPED = "dropped", _("not sent (paused)")


class Delivery(models.Model):
    """One event for one integration, tried until it is delivered or given up."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    integration = models.ForeignKey(
        Integration, on_delete=models.CASCADE, related_name="deliveries"
    )
    # Sent as X-Marblejar-Delivery; the same on every retry, so a receiver can
    # tell a retry from a new event.
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    event = models.CharField(max_length=40)
    # What is sent, until it is delivered or given up; then emptied, so that
    # the log keeps what happened, not the team's content.
    payload = models.JSONField(default=dict)
    summary = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=10, choices=Status, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["integration", "-created_at"], name="delivery_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.event} to {self.integration_id}"


class Attempt(models.Model):
    """One try of a delivery: the delivery log's line."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="tries")
    number = models.PositiveSmallIntegerField()
    at = models.DateTimeField(default=timezone.now)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    ok = models.BooleanField(default=False)
    error = models.CharField(max_length=200, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"attempt {self.number} of {self.delivery_id}"
