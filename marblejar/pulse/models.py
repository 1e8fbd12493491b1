"""Pulse surveys: instruments, pulses, and answers stored apart from who gave them.

The anonymity design (see docs/pulses.md, "Threat model"):

* :class:`Participation` records *who* answered a pulse, for one answer per
  person and the participation count. It has a random key and no timestamp.
* While a pulse is open, what people answered waits in its :class:`Ballot`:
  one row per pulse holding a list that is reshuffled on every submission,
  so neither row order nor list order follows the order of participation.
* When the pulse closes, the ballot is emptied into :class:`Answer` and
  :class:`Comment` rows, written in a fresh random order, with random (UUID4)
  keys and no user, no timestamp and no link between an answer and a comment.
* Dashboards read :class:`PulseResult`, aggregates computed once at close.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from marblejar.accounts.models import Organization
from marblejar.lib.fields import NumberList
from marblejar.pulse.stats.limits import MIN_GROUP_SIZE_DEFAULT, MIN_GROUP_SIZE_FLOOR
from marblejar.teams.models import Team

COMMENT_MAX_LENGTH = 2000
# In Answer.values, the character of an item left out.
MISSING_ANSWER = "."


class PulseSettings(models.Model):
    """An organization's anonymity thresholds (one row per organization, made on demand)."""

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, primary_key=True, related_name="pulse_settings"
    )
    min_group_size = models.PositiveSmallIntegerField(
        _("minimum number of respondents"),
        default=MIN_GROUP_SIZE_DEFAULT,
        validators=[MinValueValidator(MIN_GROUP_SIZE_FLOOR), MaxValueValidator(50)],
        help_text=_("Nothing about a group with fewer respondents is shown. Never below 3."),
    )
    min_comment_group_size = models.PositiveSmallIntegerField(
        _("minimum number of respondents for comments"),
        default=MIN_GROUP_SIZE_DEFAULT,
        validators=[MinValueValidator(MIN_GROUP_SIZE_FLOOR), MaxValueValidator(50)],
        help_text=_("Comments are shown only when at least this many people answered."),
    )

    class Meta:
        verbose_name = _("pulse settings")
        verbose_name_plural = _("pulse settings")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(min_group_size__gte=MIN_GROUP_SIZE_FLOOR)
                & models.Q(min_comment_group_size__gte=MIN_GROUP_SIZE_FLOOR),
                name="pulse_settings_floor",
            ),
        ]

    def __str__(self) -> str:
        return f"k={self.min_group_size}, comments k={self.min_comment_group_size}"


class Instrument(models.Model):
    """A custom instrument built in the app by a team's lead: Likert items on one scale."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="pulse_instruments")
    name = models.CharField(_("name"), max_length=80)
    description = models.TextField(_("what it measures"), blank=True, max_length=1000)
    scale_points = models.PositiveSmallIntegerField(
        _("answer options"), default=5, validators=[MinValueValidator(3), MaxValueValidator(9)]
    )
    low_label = models.CharField(_("label of the lowest answer"), max_length=60)
    high_label = models.CharField(_("label of the highest answer"), max_length=60)
    # [{"key": "q1", "text": "...", "reverse": false}, ...]
    items = models.JSONField(_("questions"), default=list)
    allow_comment = models.BooleanField(_("ask for an optional comment"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("instrument")
        verbose_name_plural = _("instruments")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def slug(self) -> str:
        return f"custom-{self.pk}"


class Cadence(models.TextChoices):
    ONCE = "once", _("Once")
    WEEKLY = "weekly", _("Every week")
    FORTNIGHTLY = "fortnightly", _("Every two weeks")
    MONTHLY = "monthly", _("Every month")
    QUARTERLY = "quarterly", _("Every three months")


class Status(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    OPEN = "open", _("Open")
    AWAITING_LEAD = "awaiting_lead", _("Closed: waiting for the lead's response")
    PUBLISHED = "published", _("Results published")


class Pulse(models.Model):
    """One run of a survey for one team, from ``opens_at`` to ``closes_at``."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="pulses")
    # "psychological_safety" for a built-in instrument, "custom-<id>" for a custom one.
    instrument_slug = models.CharField(max_length=80)
    # The instrument as it was when the pulse was scheduled: later edits of a
    # custom instrument cannot change what people already answered.
    definition = models.JSONField()
    # Scale and reverse flags in a few characters ("1-7:rnrnrnn"): what the
    # statistics need, readable for every pulse at once without decoding JSON.
    keying = models.CharField(max_length=80, default="", editable=False)
    title = models.CharField(_("title"), max_length=120)
    cadence = models.CharField(_("repeat"), max_length=12, choices=Cadence, default=Cadence.ONCE)
    series = models.UUIDField(default=uuid.uuid4, editable=False)
    sequence = models.PositiveIntegerField(default=1)
    opens_at = models.DateTimeField(_("opens"))
    closes_at = models.DateTimeField(_("closes"))
    min_group_size = models.PositiveSmallIntegerField(default=MIN_GROUP_SIZE_DEFAULT)
    min_comment_group_size = models.PositiveSmallIntegerField(default=MIN_GROUP_SIZE_DEFAULT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    participant_count = models.PositiveIntegerField(default=0)
    # Who was in the team when the pulse opened (user ids). Only their answers
    # count towards the minimum group size, so that accounts added while a
    # pulse is open cannot be used to reach it. Fixed, with the thresholds
    # above, at the moment the pulse opens.
    members_at_open = models.JSONField(null=True, blank=True, editable=False)
    # Set at close: how many who answered were in ``members_at_open``, and how
    # many people joined the team while the pulse was open.
    counted = models.PositiveIntegerField(null=True, blank=True, editable=False)
    joined_while_open = models.PositiveIntegerField(default=0, editable=False)
    open_notified = models.BooleanField(default=False)
    reminded = models.BooleanField(default=False)
    closed_at = models.DateTimeField(null=True, blank=True)
    response_heard = models.TextField(_("what I hear"), blank=True, max_length=4000)
    response_plan = models.TextField(_("what I will do"), blank=True, max_length=4000)
    published_at = models.DateTimeField(null=True, blank=True)
    published_without_response = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("pulse")
        verbose_name_plural = _("pulses")
        ordering = ["-opens_at"]
        constraints = [
            models.UniqueConstraint(fields=["series", "sequence"], name="pulse_series_unique"),
            models.CheckConstraint(
                condition=models.Q(closes_at__gt=models.F("opens_at")), name="pulse_closes_after"
            ),
            models.CheckConstraint(
                condition=models.Q(min_group_size__gte=MIN_GROUP_SIZE_FLOOR),
                name="pulse_min_group_floor",
            ),
        ]
        indexes = [
            models.Index(fields=["team", "-opens_at"], name="pulse_team_opens"),
            models.Index(fields=["closed_at", "closes_at"], name="pulse_due"),
            # Covers the read of every closed pulse's keying when recomputing results.
            models.Index(fields=["organization", "closed_at", "keying"], name="pulse_org_keying"),
            # On PostgreSQL only, migration 0010 adds ``pulse_store_facts``:
            # the key with every fact storing results in bulk copies from a
            # pulse (pulse/results.py), so that the store reads that index,
            # not the table, whose rows hold the definition (about 2 KB).
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self.keying:
            self.keying = keying_of(self.definition)
        super().save(*args, **kwargs)

    def status(self, now: datetime | None = None) -> str:
        now = now or timezone.now()
        if self.published_at is not None:
            return Status.PUBLISHED
        if self.closed_at is not None:
            return Status.AWAITING_LEAD
        if now < self.opens_at:
            return Status.SCHEDULED
        return Status.OPEN

    def get_status_display(self) -> str:
        return str(Status(self.status()).label)

    @property
    def has_opened(self) -> bool:
        """Its promise (who counts, the minimum group sizes) is fixed."""
        return self.members_at_open is not None

    @property
    def counted_respondents(self) -> int:
        """Who counted towards the minimum (see :attr:`PulseResult.counted`)."""
        # Pulses closed before "who counts" was recorded count everyone.
        return self.counted if self.counted is not None else self.participant_count

    @property
    def closed_early(self) -> bool:
        return self.closed_at is not None and self.closed_at < self.closes_at

    def is_open(self, now: datetime | None = None) -> bool:
        now = now or timezone.now()
        return self.closed_at is None and self.opens_at <= now < self.closes_at

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    @property
    def response_due_at(self) -> datetime | None:
        if self.closed_at is None:
            return None
        return self.closed_at + timedelta(days=settings.PULSE_RESPONSE_DAYS)

    @property
    def has_response(self) -> bool:
        return bool(self.response_heard.strip() or self.response_plan.strip())

    @property
    def items(self) -> list[dict[str, Any]]:
        return self.definition["items"]

    @property
    def scale(self) -> tuple[int, int]:
        return (self.definition["scale"]["min"], self.definition["scale"]["max"])

    @property
    def scale_labels(self) -> list[str]:
        return self.definition["scale"]["labels"]

    @property
    def asks_comment(self) -> bool:
        return bool(self.definition.get("comment", False))


def keying_of(definition: dict[str, Any]) -> str:
    flags = "".join("r" if item.get("reverse") else "n" for item in definition["items"])
    return f"{definition['scale']['min']}-{definition['scale']['max']}:{flags}"


class Participation(models.Model):
    """That a person answered a pulse. Holds nothing about what they answered.

    No timestamp and a random key: the rows cannot be lined up with the
    order in which answers arrived.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    pulse = models.ForeignKey(Pulse, on_delete=models.CASCADE, related_name="participations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["pulse", "user"], name="participation_unique"),
        ]

    def __str__(self) -> str:
        return str(_("participation"))


class Ballot(models.Model):
    """What was answered in an open pulse, sealed until the pulse closes.

    One row per pulse. ``sealed`` is encrypted with a key kept outside the
    database (see :mod:`marblejar.pulse.sealing`) and reshuffled on every
    submission, so old versions of the row (write-ahead log, backups) cannot
    be lined up with participation to tell who answered what.
    """

    pulse = models.OneToOneField(
        Pulse, on_delete=models.CASCADE, primary_key=True, related_name="ballot"
    )
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    sealed = models.BinaryField(default=b"")

    def __str__(self) -> str:
        return str(_("ballot"))


class Answer(models.Model):
    """One person's answers to one closed pulse, with nothing that says whose.

    ``values`` holds one character per item: the digit answered, or "." for
    an item left out. ``score`` is the mean of the keyed answers (reverse
    items recoded). Rows are written at close, in random order, with a random
    key; there is no user, no timestamp and no sequence.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    pulse = models.ForeignKey(Pulse, on_delete=models.CASCADE, related_name="answers")
    values = models.CharField(max_length=64)
    score = models.FloatField(null=True)

    class Meta:
        indexes = [models.Index(fields=["team", "pulse"], name="answer_team_pulse")]

    def __str__(self) -> str:
        return str(_("answer"))


class Comment(models.Model):
    """A free-text comment given with a pulse; not linked to any answer or person."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    pulse = models.ForeignKey(Pulse, on_delete=models.CASCADE, related_name="comments")
    text = models.TextField(max_length=COMMENT_MAX_LENGTH)

    def __str__(self) -> str:
        return str(_("comment"))


class PulseResult(models.Model):
    """The statistics of a closed pulse, computed once and read by every page.

    Numbers are stored whatever the group size; pages show them only when
    ``n`` reaches the pulse's minimum group size (and, across teams, only
    when no subtraction of shown groups isolates fewer people).
    """

    # No key of this table is checked by the database: every result is
    # written from its pulse's row (results.results_store joins the pulses
    # and copies their organization and team), and on PostgreSQL the check
    # of the pulse's key locked each pulse's row, two fifths of the work of
    # storing an organization's results in bulk (BENCHMARKS.md, "Pulse
    # statistics"). Deleting a pulse, a team or an organization still
    # deletes its results (Django cascades), and a store and a deletion of
    # pulses never overlap: both take the same lock first
    # (pulse/locks.py), so a result cannot outlive its pulse.
    pulse = models.OneToOneField(
        Pulse,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="result",
        db_constraint=False,
    )
    # No index of the organization's own: only deleting an organization
    # reads its results by organization alone (one pass over the table),
    # and every index here is paid for on each result stored in bulk.
    organization = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+", db_constraint=False)
    instrument_slug = models.CharField(max_length=80)
    closed_on = models.DateField()
    n = models.PositiveIntegerField()
    # Respondents who were in the team when the pulse opened, and the
    # pulse's own minimum group size: the result is shown only when
    # ``counted >= min_group_size`` (see :meth:`is_shown`), on every page.
    counted = models.PositiveIntegerField(default=0)
    min_group_size = models.PositiveSmallIntegerField(default=MIN_GROUP_SIZE_DEFAULT)
    # The number of items (the statistics' k), not a group size.
    k = models.PositiveSmallIntegerField()
    mean = models.FloatField(null=True)
    percent = models.FloatField(null=True)
    sd = models.FloatField(null=True)
    ci_low = models.FloatField(null=True)
    ci_high = models.FloatField(null=True)
    alpha = models.FloatField(null=True)
    alpha_ci_low = models.FloatField(null=True)
    alpha_ci_high = models.FloatField(null=True)
    rwg_j = models.FloatField(null=True)
    # Arrays on PostgreSQL, packed numbers on SQLite (marblejar.lib.fields.NumberList).
    item_means = NumberList(default=list)
    distribution = NumberList(default=list, integers=True)
    comment_count = models.PositiveIntegerField(default=0)
    # The newest published result of its team and instrument: what the
    # organization overview shows, read with one indexed query.
    is_latest = models.BooleanField(default=False)

    # The overview reads every team's newest result of one instrument with
    # one indexed query. Its index differs per database, so migration
    # pulse/0011 makes it rather than this model: on SQLite it covers the
    # columns the overview reads (partial on is_latest, so storing results in
    # bulk writes no entry of it); on PostgreSQL it holds organization,
    # instrument and team only, so that rewriting a result's statistics
    # changes no indexed column and stays on its page (a HOT update).

    def __str__(self) -> str:
        return f"n={self.n}"

    @property
    def is_shown(self) -> bool:
        return self.counted >= self.min_group_size


# The same rule as PulseResult.is_shown, for queries.
RESULT_SHOWN = models.Q(counted__gte=models.F("min_group_size"))
