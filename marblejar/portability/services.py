"""Retention: setting how long closed reviews and old pulses are kept, and applying it."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from marblejar import permissions
from marblejar.lib.scrub import forget_after_commit
from marblejar.portability.models import RETENTION_MAX_DAYS, RETENTION_MIN_DAYS, Retention
from marblejar.pulse.models import Answer, Comment, Participation, Pulse, PulseResult
from marblejar.reviews.models import Note, Phase, Review

logger = logging.getLogger(__name__)


def retention_for(organization_id: int) -> Retention:
    """The organization's settings (unsaved, keeping everything, when none were set)."""
    found = Retention.objects.filter(organization_id=organization_id).first()
    return found or Retention(organization_id=organization_id)


def retention_update(
    *, actor: Any, closed_reviews_days: int | None, pulses_days: int | None
) -> Retention:
    """Set how long the actor's organization keeps closed reviews and pulses (None: for ever)."""
    org = actor.organization
    permissions.require(actor, "org.manage", org)
    errors = {}
    for name, value in (("closed_reviews_days", closed_reviews_days), ("pulses_days", pulses_days)):
        if value is not None and not RETENTION_MIN_DAYS <= value <= RETENTION_MAX_DAYS:
            errors[name] = _("Between %(low)d and %(high)d days, or empty to keep them.") % {
                "low": RETENTION_MIN_DAYS,
                "high": RETENTION_MAX_DAYS,
            }
    if errors:
        raise ValidationError(errors)
    retention, _created = Retention.objects.update_or_create(
        organization=org,
        defaults={"closed_reviews_days": closed_reviews_days, "pulses_days": pulses_days},
    )
    return retention


@dataclass(frozen=True)
class Applied:
    reviews: int = 0
    pulses: int = 0


@transaction.atomic
def retention_apply(*, now: datetime | None = None) -> Applied:
    """Delete the closed reviews and pulses that every organization's periods have run out for.

    A review counts from when it closed, a pulse from when it closed; open
    ones are never touched. A review's improvement actions stay (they lose
    their link to it). Then the database is made to forget the deleted rows
    (``lib/scrub.py``), as when anonymous data is deleted anywhere else.
    """
    now = now or timezone.now()
    reviews = pulses = 0
    for retention in Retention.objects.exclude(closed_reviews_days=None, pulses_days=None):
        if retention.closed_reviews_days is not None:
            cutoff = now - timedelta(days=retention.closed_reviews_days)
            due = Review.objects.filter(
                organization_id=retention.organization_id,
                phase=Phase.CLOSED,
                closed_at__lt=cutoff,
            )
            reviews += due.count()
            due.delete()
        if retention.pulses_days is not None:
            cutoff = now - timedelta(days=retention.pulses_days)
            due_pulses = Pulse.objects.filter(
                organization_id=retention.organization_id, closed_at__lt=cutoff
            )
            pulses += due_pulses.count()
            due_pulses.delete()
    if reviews or pulses:
        logger.info("Retention deleted %d closed reviews and %d pulses", reviews, pulses)
        forget_after_commit(
            tables=[
                model._meta.db_table
                for model in (Note, Review, Answer, Comment, Participation, PulseResult, Pulse)
            ]
        )
    return Applied(reviews=reviews, pulses=pulses)
