"""The team's marble jar, and the cracks that disrespect leaves in it.

The jar belongs to the team. Marbles remember the act and the response so
that the history can tell the story, but nothing here is ever summed per
person.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from marblejar.accounts.models import Organization
from marblejar.teams.models import Team


class Act(models.TextChoices):
    """What kind of vulnerable act a marble is for."""

    MISTAKE = "mistake", _("shared a mistake")
    LESSON = "lesson", _("shared a lesson")
    LEARNING = "learning", _("shared something they are still learning")
    HELP = "help", _("asked for help")
    UPDATE = "update", _("posted a learning update")
    OFFLINE = "offline", _("took a risk offline")
    # Dropped when a learning review closes (marblejar/reviews/services.py).
    GO_FIRST = "go_first", _("went first in a learning review")
    QUESTION = "question", _("asked a question with its intent, and it was answered")


class Response(models.TextChoices):
    """How someone met the act (the past tense reads after a name in the history)."""

    THANKS = "thanks", _("said thank you")
    ME_TOO = "me_too", _("said “me too”")
    LEARNED = "learned", _("learned from it")
    HELP = "help", _("asked how they could help")
    OFFER = "offer", _("offered help")
    COMMENT = "comment", _("responded with care")
    OFFLINE = "offline", _("met it with respect")


class Marble(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="marbles")
    # One marble per act: "reflection:12", "manual:<uuid>", later "review:3:lead".
    act_key = models.CharField(max_length=80)
    act = models.CharField(_("act"), max_length=10, choices=Act)
    # Who was vulnerable and who responded; kept when the act itself is
    # deleted, emptied when a person deletes their account.
    act_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    response_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    response = models.CharField(_("response"), max_length=10, choices=Response)
    reflection = models.ForeignKey(
        "reflections.Reflection",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="marbles",
    )
    # For a marble dropped by hand: what happened, in the dropper's words.
    description = models.TextField(_("what happened"), blank=True)
    dropped_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # When the person a hand-dropped marble names has seen it (and kept it).
    named_seen_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("marble")
        verbose_name_plural = _("marbles")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["team", "act_key"], name="marble_one_per_act"),
        ]
        indexes = [models.Index(fields=["team", "created_at"], name="marble_team_date")]

    def __str__(self) -> str:
        return f"{self.team} {self.act_key}"

    @property
    def is_manual(self) -> bool:
        return self.act == Act.OFFLINE


class Crack(models.Model):
    """An anonymous report that something felt disrespectful.

    Anonymous for real: no reporter, the day rather than the moment, and a
    random id, so that nothing stored here (not even its order among other
    rows) points back to the person who reported it.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    # None for a report about something shared with the whole organization:
    # it then reaches the organization admins instead of a team's leads.
    team = models.ForeignKey(
        Team, on_delete=models.CASCADE, related_name="cracks", null=True, blank=True
    )
    text = models.TextField(_("what happened"), blank=True)
    # The reporter may let the team read the text; leads always can.
    share_text = models.BooleanField(_("let the team read what I wrote"), default=False)
    comment = models.ForeignKey(
        "reflections.Comment",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="cracks",
    )
    reported_on = models.DateField(default=timezone.localdate)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    response = models.TextField(_("what we will do"), blank=True)

    class Meta:
        verbose_name = _("crack")
        verbose_name_plural = _("cracks")
        # Within a day, by the random id: never in the order they were filed.
        ordering = ["-reported_on", "id"]

    def __str__(self) -> str:
        return f"crack on {self.reported_on}"

    @property
    def is_acknowledged(self) -> bool:
        return self.acknowledged_at is not None


# The longest report a crack takes, in characters: every sealed record in an
# inbox takes the room of the longest, so it is kept to a page of text.
CRACK_TEXT_MAX = 4000


class CrackInbox(models.Model):
    """The cracks of one day for one team (or the organization), sealed until the day is over.

    A crack's row, written the moment it is reported, would tell by its time
    (or by the moment a lead's count changed) who had just been in the room.
    So reports of a day wait here, sealed (see :mod:`marblejar.lib.sealing`)
    and reshuffled on every report, and become :class:`Crack` rows together,
    in a random order, once the day is over.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    team = models.ForeignKey(
        Team, on_delete=models.CASCADE, related_name="+", null=True, blank=True
    )
    day = models.DateField()
    sealed = models.BinaryField(default=b"")

    class Meta:
        indexes = [models.Index(fields=["day"], name="crackinbox_day")]

    def __str__(self) -> str:
        return f"crack inbox of {self.day}"
