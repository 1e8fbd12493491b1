from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from marblejar.accounts.models import Organization


class Team(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="teams")
    name = models.CharField(_("name"), max_length=80)
    slug = models.SlugField(_("short name"), max_length=80)
    description = models.TextField(_("what this team does"), blank=True, max_length=2000)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "slug"], name="team_slug_unique"),
        ]
        indexes = [
            # An organization's teams in name order, whatever the case, read a
            # page at a time (organization insights) without sorting every team.
            models.Index(
                models.F("organization"),
                Lower("name"),
                models.F("id"),
                name="team_org_name_order",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    LEAD = "lead", _("Lead")
    MEMBER = "member", _("Member")


class Membership(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=10, choices=Role, default=Role.MEMBER)
    joined_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["team", "user"], name="membership_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.team} ({self.role})"

    @property
    def is_lead(self) -> bool:
        return self.role == Role.LEAD


def hash_invitation_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class Invitation(models.Model):
    """A single-use, expiring way into the organization (and optionally a team).

    Only a hash of the token is stored: the link itself is shown once, or sent
    by e-mail, and cannot be recovered from the database.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    team = models.ForeignKey(
        Team, on_delete=models.CASCADE, related_name="invitations", null=True, blank=True
    )
    email = models.EmailField(_("e-mail address"), blank=True)
    role = models.CharField(_("role"), max_length=10, choices=Role, default=Role.MEMBER)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    # Set by invitation_create, not stored: whether the e-mail went out.
    email_sent: bool | None = None

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.email or _("invitation link")

    @staticmethod
    def generate_token() -> str:
        return secrets.token_urlsafe(24)

    @property
    def is_used(self) -> bool:
        return self.accepted_at is not None

    @property
    def is_expired(self) -> bool:
        return timezone.now() >= self.expires_at

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def is_usable(self) -> bool:
        return not (self.is_used or self.is_expired or self.is_revoked)

    @property
    def status(self) -> str:
        if self.is_used:
            return "accepted"
        if self.is_revoked:
            return "revoked"
        if self.is_expired:
            return "expired"
        return "pending"
