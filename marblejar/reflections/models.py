"""Reflections: a mistake, a lesson, something being learned, or an ask for help.

Responses are comments (an offer of help is a comment too) and reactions from
a fixed, supportive set. There is no down-vote, and no model here counts
anything per person.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from marblejar.accounts.models import Organization
from marblejar.teams.models import Team


class Kind(models.TextChoices):
    MISTAKE = "mistake", _("Mistake")
    LESSON = "lesson", _("Lesson")
    LEARNING = "learning", _("Learning in progress")
    HELP = "help", _("Ask for help")
    # A post on a learning in progress; never chosen in the form.
    UPDATE = "update", _("Learning update")


WRITABLE_KINDS = [Kind.MISTAKE, Kind.LESSON, Kind.LEARNING, Kind.HELP]

# The parts of a mistake, in the order the essay tells it.
MISTAKE_SECTIONS = ("what_happened", "correction", "learned", "next_try")


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class Tag(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=40)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="tag_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class Reflection(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    # None: shared with the whole organization.
    team = models.ForeignKey(
        Team, on_delete=models.CASCADE, related_name="reflections", null=True, blank=True
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reflections"
    )
    # Set for a learning update: the learning in progress it belongs to.
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, related_name="updates", null=True, blank=True
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind)
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.DRAFT)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    what_happened = models.TextField(_("what happened"), blank=True)
    correction = models.TextField(_("what I did to correct it"), blank=True)
    learned = models.TextField(_("what I learned"), blank=True)
    next_try = models.TextField(_("what I would try next"), blank=True)
    skill = models.CharField(_("skill"), max_length=120, blank=True)
    # Whether the author led the team when they published: the mark stays
    # true to the moment, even if roles change later.
    by_lead = models.BooleanField(default=False)
    tags = models.ManyToManyField(Tag, through="ReflectionTag", related_name="reflections")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("reflection")
        verbose_name_plural = _("reflections")
        ordering = ["-published_at", "-created_at"]
        indexes = [
            models.Index(fields=["team", "status", "-published_at"], name="reflection_team_feed"),
            models.Index(
                fields=["organization", "status", "-published_at"], name="reflection_org_feed"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("reflections:detail", args=[self.pk])

    @property
    def is_published(self) -> bool:
        return self.status == Status.PUBLISHED

    @property
    def is_update(self) -> bool:
        return self.kind == Kind.UPDATE

    @property
    def is_learning(self) -> bool:
        return self.kind == Kind.LEARNING

    def text_fields(self) -> dict[str, str]:
        """The long texts of this reflection by field name (for length checks and the coach)."""
        names = MISTAKE_SECTIONS if self.kind == Kind.MISTAKE else ("body",)
        return {name: getattr(self, name) for name in names}


class ReflectionTag(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    reflection = models.ForeignKey(Reflection, on_delete=models.CASCADE)
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["reflection", "tag"], name="reflection_tag_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.reflection_id}:{self.tag_id}"


class Comment(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    reflection = models.ForeignKey(Reflection, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reflection_comments"
    )
    body = models.TextField(_("comment"))
    # An offer of help is a comment that says so; it is a response like any other.
    offers_help = models.BooleanField(_("offer of help"), default=False)
    # The highest severity the language coach found when it was posted.
    coach_severity = models.CharField(max_length=10, blank=True)
    hidden_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.body[:60]

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None


class ReactionKind(models.TextChoices):
    THANKS = "thanks", _("Thank you")
    ME_TOO = "me_too", _("Me too")
    LEARNED = "learned", _("I learned from this")
    HELP = "help", _("How can I help?")


class Reaction(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    reflection = models.ForeignKey(Reflection, on_delete=models.CASCADE, related_name="reactions")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reflection_reactions"
    )
    kind = models.CharField(_("reaction"), max_length=10, choices=ReactionKind)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("reaction")
        verbose_name_plural = _("reactions")
        constraints = [
            models.UniqueConstraint(fields=["reflection", "user", "kind"], name="reaction_unique"),
        ]

    def __str__(self) -> str:
        return self.get_kind_display()


class PracticeEntry(models.Model):
    """One session of practice on a learning in progress."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    reflection = models.ForeignKey(Reflection, on_delete=models.CASCADE, related_name="practice")
    practised_on = models.DateField(_("date"))
    minutes = models.PositiveIntegerField(_("minutes"))
    hard = models.TextField(_("what was hard"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("practice entry")
        verbose_name_plural = _("practice entries")
        ordering = ["-practised_on", "-id"]

    def __str__(self) -> str:
        return f"{self.practised_on}: {self.minutes} min"
