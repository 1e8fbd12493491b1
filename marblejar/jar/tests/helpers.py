"""Cracks reach the leads the day after they are reported; tests move that day closer."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from marblejar.jar import services
from marblejar.jar.models import Crack


def release_reports() -> int:
    """Release every sealed report as if the day were over."""
    return services.crack_release_due(today=timezone.localdate() + timedelta(days=1))


def crack_released(**report: Any) -> Crack:
    """Report a crack (``crack_report``'s arguments) and return it once released."""
    before = set(Crack.objects.values_list("pk", flat=True))
    services.crack_report(**report)
    release_reports()
    return Crack.objects.exclude(pk__in=before).get()
