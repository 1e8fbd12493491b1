from __future__ import annotations

import hashlib
import secrets
from typing import ClassVar

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Organization(models.Model):
    """The company or group that runs this Marblejar.

    Every table of user data carries a key to it, so that a multi-tenant
    deployment can later shard by organization.
    """

    name = models.CharField(_("name"), max_length=120)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    # Anyone with an address at this domain may sign up without an invitation.
    open_signup_domain = models.CharField(
        _("open sign-up for e-mail domain"),
        max_length=253,
        blank=True,
        help_text=_("Leave empty to require an invitation for everyone."),
    )
    # Password accounts must add a second factor before they use anything;
    # people who sign in through single sign-on get theirs from the provider.
    two_factor_required = models.BooleanField(_("require two-factor sign-in"), default=False)

    class Meta:
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")

    def __str__(self) -> str:
        return self.name


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra) -> User:
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


# Fields of User kept by their own updates, never written by save().
COUNTERS = frozenset({"unread_notifications", "nav_teams"})


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField(_("e-mail address"), unique=True)
    display_name = models.CharField(_("display name"), max_length=80)
    organization = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        related_name="users",
        null=True,
        blank=True,
        verbose_name=_("organization"),
    )
    is_org_admin = models.BooleanField(_("organization admin"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("staff"), default=False)
    # A guest in one learning review, who joined by its guest link: no
    # password, no membership, no e-mail; the review's rules let them take
    # part in that review and nowhere else (see marblejar.reviews.guests).
    is_guest = models.BooleanField(_("guest in one review"), default=False)
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)
    # Kept with the person so that the header costs no query on any page (the
    # session loads this row anyway). Never written by ``save()`` (see
    # below): the bell's count only by F() updates in the same transaction as
    # the change they follow (the notification services, a notification's
    # deletion); the switcher's teams ([{"pk", "name", "slug"}], by name) read
    # again, under a lock on the row, whenever the person's teams or their
    # names change (marblejar.teams.signals).
    unread_notifications = models.IntegerField(default=0, editable=False)
    nav_teams = models.JSONField(default=list, editable=False)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = ["display_name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name or self.email

    def save(self, *args, **kwargs) -> None:
        # A full save of a row loaded earlier would write back what other
        # requests have changed since: leave those fields to their own updates.
        loaded = not (self._state.adding or kwargs.get("force_insert"))
        if loaded and kwargs.get("update_fields") is None:
            kwargs["update_fields"] = [
                f.name
                for f in self._meta.concrete_fields
                if not f.primary_key and f.name not in COUNTERS
            ]
        super().save(*args, **kwargs)

    def get_full_name(self) -> str:
        return self.display_name

    def get_short_name(self) -> str:
        return self.display_name


def hash_token(raw: str) -> str:
    # Tokens are long random strings, so a fast hash is enough: there is
    # nothing to brute-force, and lookups stay one indexed query.
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """A personal access token for scripts. Only its hash is stored."""

    PREFIX = "mj_"

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=80)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    # The first characters help a person recognise a token in a list.
    prefix = models.CharField(max_length=12, editable=False)
    read_only = models.BooleanField(_("read only"), default=False)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @classmethod
    def generate(cls) -> str:
        return cls.PREFIX + secrets.token_urlsafe(32)
