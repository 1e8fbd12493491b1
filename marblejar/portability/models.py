"""How long an organization keeps closed reviews and old pulses."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from marblejar.accounts.models import Organization

# Shorter than a month would delete a review before its actions are checked.
RETENTION_MIN_DAYS = 30
RETENTION_MAX_DAYS = 3650


class Retention(models.Model):
    """One row per organization, made when an admin first sets a period; none keeps everything."""

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, primary_key=True, related_name="retention"
    )
    closed_reviews_days = models.PositiveIntegerField(
        _("delete learning reviews this many days after they close"),
        null=True,
        blank=True,
        validators=[MinValueValidator(RETENTION_MIN_DAYS), MaxValueValidator(RETENTION_MAX_DAYS)],
        help_text=_("Leave empty to keep them. Their improvement actions stay."),
    )
    pulses_days = models.PositiveIntegerField(
        _("delete pulses this many days after they close"),
        null=True,
        blank=True,
        validators=[MinValueValidator(RETENTION_MIN_DAYS), MaxValueValidator(RETENTION_MAX_DAYS)],
        help_text=_("Leave empty to keep them. Their results and comments go with them."),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("retention settings")
        verbose_name_plural = _("retention settings")

    def __str__(self) -> str:
        return f"reviews {self.closed_reviews_days}, pulses {self.pulses_days}"
