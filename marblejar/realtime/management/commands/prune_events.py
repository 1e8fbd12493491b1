from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from marblejar.lib.dates import day
from marblejar.realtime.models import Event


class Command(BaseCommand):
    help = (
        "Delete stored live events older than MARBLEJAR_EVENTS_RETENTION_DAYS "
        "(they only serve clients that reconnect). `marblejar serve` runs this at start."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        cutoff = timezone.now() - timedelta(days=settings.EVENTS_RETENTION_DAYS)
        deleted, _ = Event.objects.filter(created_at__lt=cutoff).delete()
        if options["verbosity"]:
            self.stdout.write(f"Deleted {deleted} events older than {day(cutoff)}.")
