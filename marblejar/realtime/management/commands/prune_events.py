from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from marblejar.lib.dates import day
from marblejar.lib.events import ACCESS_KIND
from marblejar.realtime.models import Event

# Access notices only tell open streams to check again; a day later no
# stream needs them, and they say when someone logged out.
ACCESS_NOTICE_DAYS = 1


class Command(BaseCommand):
    help = (
        "Delete stored live events older than MARBLEJAR_EVENTS_RETENTION_DAYS "
        "(they only serve clients that reconnect), and access notices older than a "
        "day. `marblejar serve` runs this at start."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        now = timezone.now()
        cutoff = now - timedelta(days=settings.EVENTS_RETENTION_DAYS)
        deleted, _ = Event.objects.filter(created_at__lt=cutoff).delete()
        notices, _ = Event.objects.filter(
            kind=ACCESS_KIND, created_at__lt=now - timedelta(days=ACCESS_NOTICE_DAYS)
        ).delete()
        if options["verbosity"]:
            self.stdout.write(
                f"Deleted {deleted} events older than {day(cutoff)} "
                f"and {notices} access notices older than a day."
            )
