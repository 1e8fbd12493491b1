from __future__ import annotations

from django.db import models
from django.utils import timezone

from marblejar.accounts.models import Organization


class Event(models.Model):
    """Something that happened, kept so that a reconnecting client can replay it.

    ``stream`` names who listens ("team:12"); ``payload`` holds ids and plain
    values, never rendered HTML: each subscriber renders an event for itself,
    so that what one person may not see never leaves the server for them.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    stream = models.CharField(max_length=64)
    kind = models.CharField(max_length=64)
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["stream", "id"], name="event_stream_id")]

    def __str__(self) -> str:
        return f"{self.stream} {self.kind} #{self.pk}"
