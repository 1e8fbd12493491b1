"""Learning reviews: retrospectives, incident debriefs and project reviews.

A review moves through phases that the facilitator advances. Two promises
shape these tables:

* **Hidden until the reveal.** A note's text is for its author alone until
  the lead has gone first and the facilitator reveals the notes. That is
  enforced by the selectors and views, never by the browser.
* **Anonymous means anonymous.** In a review with anonymous notes a note has
  no author column, no timestamp and a random id; who wrote it is kept in
  :class:`NoteAuthorship` only while the review is open (so that the author
  can edit it), and only as a keyed tag that nobody can recompute without
  the secret key (see :mod:`marblejar.lib.sealing`); those rows are deleted
  when it closes. Safety-check and return-on-time answers are stored only as
  counts, and who answered only as keyed tags (:class:`Mark`). Per-voter
  theme votes carry a keyed tag too, and live only during the vote phase.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from marblejar.accounts.models import Organization
from marblejar.lib.sealing import TAG_HEX, keyed_tag
from marblejar.teams.models import Team

TAG_NAMESPACE = "marblejar.review."


class Kind(models.TextChoices):
    RETROSPECTIVE = "retrospective", _("Retrospective")
    INCIDENT = "incident", _("Incident debrief")
    PROJECT = "project", _("Project review")


class Mode(models.TextChoices):
    LIVE = "live", _("Live: everyone together")
    ASYNC = "async", _("Asynchronous: open for days, people contribute in their own time")


class Phase(models.TextChoices):
    SCHEDULED = "scheduled", _("Not started")
    CHECKIN = "checkin", _("Check-in: safety check")
    FOLLOWUP = "followup", _("Open actions")
    GO_FIRST = "go_first", _("Go first")
    REFLECT = "reflect", _("Reflect")
    GROUP = "group", _("Group")
    VOTE = "vote", _("Vote")
    DISCUSS = "discuss", _("Discuss")
    ACTIONS = "actions", _("Actions")
    CLOSED = "closed", _("Closed")


PHASE_ORDER: list[str] = list(Phase.values)
# Notes can be written (and are private) from the moment the lead is asked to
# go first until the reveal.
WRITING_PHASES = frozenset({Phase.GO_FIRST, Phase.REFLECT})
REVEALED_PHASES = frozenset({Phase.GROUP, Phase.VOTE, Phase.DISCUSS, Phase.ACTIONS, Phase.CLOSED})
# An asynchronous review "closes soon" in its last day: people who have not
# taken part yet are reminded then, and the board says how long is left.
CLOSING_SOON = timedelta(hours=24)


class IntentStatement(models.Model):
    """The team's own statement of good intent, shown before and during every review."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    team = models.OneToOneField(Team, on_delete=models.CASCADE, related_name="intent_statement")
    text = models.TextField(_("our statement of good intent"), max_length=3000)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("statement of good intent")

    def __str__(self) -> str:
        return self.text[:60]


class ReviewTemplate(models.Model):
    """A team's own review template; the built-in ones are data in ``formats.toml``."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="review_templates")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind, default=Kind.RETROSPECTIVE)
    name = models.CharField(_("name"), max_length=80)
    # [{"key": "went_well", "title": "Went well", "prompt": "..."}, ...]
    columns = models.JSONField(default=list)
    timeline = models.BooleanField(_("with a timeline of events"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("review template")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Review(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="reviews")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind, default=Kind.RETROSPECTIVE)
    title = models.CharField(_("title"), max_length=120)
    purpose = models.TextField(_("why we are holding this review"), max_length=3000)
    agenda = models.TextField(_("agenda"), max_length=3000)
    # Copied from the team's statement when scheduled, so that an edit later
    # does not change what people were shown.
    intent = models.TextField(_("statement of good intent"), max_length=3000)
    template_name = models.CharField(max_length=80)
    columns = models.JSONField(default=list)
    timeline = models.BooleanField(default=False)
    mode = models.CharField(
        _("how people take part"), max_length=10, choices=Mode, default=Mode.LIVE
    )
    anonymous = models.BooleanField(_("anonymous notes"), default=False)
    votes_per_person = models.PositiveSmallIntegerField(_("votes per person"), default=3)
    facilitator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    scheduled_for = models.DateTimeField(_("starts"), null=True, blank=True)
    open_until = models.DateTimeField(_("open until"), null=True, blank=True)
    phase = models.CharField(max_length=12, choices=Phase, default=Phase.SCHEDULED)
    phase_changed_at = models.DateTimeField(default=timezone.now)
    # The anonymous safety check and return-on-time vote, as counts per level only.
    safety_counts = models.JSONField(default=dict)
    # What participants are shown of them: revealed in batches of at least
    # a minimum group, so that no change of the histogram isolates one answer.
    safety_shown = models.JSONField(default=dict)
    safety_round = models.BooleanField(default=False)
    roti_counts = models.JSONField(default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    # How it closed: by the facilitator, or on its own at ``open_until``; and
    # from which phase (one that closed before the reveal keeps notes private).
    closed_by_clock = models.BooleanField(default=False)
    closed_from = models.CharField(max_length=12, choices=Phase, blank=True)
    # The reminder a day before an asynchronous review closes: when it is due
    # (empty when none is waiting) and when it last went out. It records the
    # review, never who was reminded.
    reminder_due_at = models.DateTimeField(null=True, blank=True)
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    # The facilitator's phase timer, which everyone sees: running until
    # ``timer_ends_at``, or paused with ``timer_left`` still to go.
    timer_ends_at = models.DateTimeField(null=True, blank=True)
    timer_left = models.DurationField(null=True, blank=True)
    # The theme everyone is discussing: the facilitator moves it on.
    spotlight = models.ForeignKey(
        "Theme", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Incident debriefs may skip grouping and voting (the facilitator's call).
    skipped_grouping = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("learning review")
        verbose_name_plural = _("learning reviews")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["team", "phase"], name="review_team_phase"),
            # Covers "how many teams closed a review in the period" on the
            # organization's insights page: read from the index alone.
            models.Index(
                fields=["organization", "closed_at", "team"], name="review_org_closed_team"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def stream(self) -> str:
        return f"review:{self.pk}"

    @property
    def phase_index(self) -> int:
        return PHASE_ORDER.index(self.phase)

    def phase_reached(self, phase: str) -> bool:
        return self.phase_index >= PHASE_ORDER.index(phase)

    @property
    def is_closed(self) -> bool:
        return self.phase == Phase.CLOSED

    @property
    def is_started(self) -> bool:
        return self.phase != Phase.SCHEDULED

    @property
    def is_writing(self) -> bool:
        return self.phase in WRITING_PHASES

    @property
    def is_revealed(self) -> bool:
        if self.phase == Phase.CLOSED and self.closed_from:
            # Closed on its own before the reveal: the notes were never revealed.
            return self.closed_from in REVEALED_PHASES
        return self.phase in REVEALED_PHASES

    @property
    def closes_on_its_own(self) -> bool:
        """An asynchronous review with an "open until" time closes itself then."""
        return self.mode == Mode.ASYNC and self.open_until is not None

    def is_due(self, now: datetime) -> bool:
        """Open, and its "open until" time has come: it is due to close."""
        return (
            self.mode == Mode.ASYNC
            and self.open_until is not None
            and not self.is_closed
            and self.open_until <= now
        )

    @property
    def closes_soon(self) -> bool:
        """Open, and closing on its own within a day (the board counts the hours)."""
        if self.mode != Mode.ASYNC or self.open_until is None or self.is_closed:
            return False
        return self.open_until - timezone.now() < CLOSING_SOON

    @property
    def next_phase(self) -> str | None:
        i = self.phase_index
        return PHASE_ORDER[i + 1] if i + 1 < len(PHASE_ORDER) else None

    @property
    def column_keys(self) -> list[str]:
        return [c["key"] for c in self.columns]

    def column_title(self, key: str) -> str:
        for c in self.columns:
            if c["key"] == key:
                return c["title"]
        return key

    def tag_for(self, user: Any, purpose: str) -> str:
        """The keyed tag that stands for ``user`` in this review, for one ``purpose``.

        Different purposes give different tags, so that not even the tags tie
        a person's note to their vote or their safety answer.
        """
        return keyed_tag(TAG_NAMESPACE, purpose, self.pk, user.pk)

    def timer_seconds_left(self, now: datetime | None = None) -> int | None:
        """Seconds left on the phase timer (0 when it has run out), or None when none is set."""
        if self.timer_left is not None:
            return max(int(self.timer_left.total_seconds()), 0)
        if self.timer_ends_at is None:
            return None
        return max(int((self.timer_ends_at - (now or timezone.now())).total_seconds()), 0)

    @property
    def timer_paused(self) -> bool:
        return self.timer_left is not None

    @property
    def safety_total(self) -> int:
        return sum(int(v) for v in self.safety_counts.values())

    @property
    def roti_total(self) -> int:
        return sum(int(v) for v in self.roti_counts.values())


class Participant(models.Model):
    """Who took part, and who is here now (``last_seen``). Never what they wrote."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="participants")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    joined_at = models.DateTimeField(default=timezone.now)
    last_seen = models.DateTimeField(default=timezone.now)
    # The phase in which they said they were done writing: the board counts
    # them ("3 of 5 are done") and never shows who, in anonymous reviews.
    done_in = models.CharField(max_length=12, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["review", "user"], name="participant_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} in review {self.review_id}"


class GoFirst(models.Model):
    """The facilitator's or lead's own contribution, written before anyone sees the notes."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    review = models.OneToOneField(Review, on_delete=models.CASCADE, related_name="go_first")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    part = models.TextField(_("my part in what happened"), max_length=4000)
    revisit = models.TextField(_("a decision I would revisit"), max_length=4000)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"go first in review {self.review_id}"


class TimelineEvent(models.Model):
    """One event of an incident's timeline."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="timeline_events")
    happened_at = models.DateTimeField(_("time"))
    what = models.TextField(_("what happened"), max_length=2000)
    source = models.CharField(_("source"), max_length=200, blank=True)

    class Meta:
        ordering = ["happened_at", "id"]

    def __str__(self) -> str:
        return self.what[:60]


class Theme(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="themes")
    title = models.CharField(_("theme"), max_length=200)
    position = models.PositiveIntegerField(default=0)
    # Filled in when the vote phase ends; the per-voter rows are then deleted.
    vote_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.title


class Note(models.Model):
    """A note in one of the review's columns, or attached to a timeline event.

    The id is random so that it says nothing about the order people wrote
    in. ``author`` and ``created_at`` are set only in reviews with named notes.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="notes")
    column = models.CharField(max_length=40, blank=True)
    timeline_event = models.ForeignKey(
        TimelineEvent, on_delete=models.CASCADE, null=True, blank=True, related_name="notes"
    )
    text = models.TextField(_("note"), max_length=2000)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(null=True, blank=True)
    theme = models.ForeignKey(
        Theme, on_delete=models.SET_NULL, null=True, blank=True, related_name="notes"
    )

    def __str__(self) -> str:
        return self.text[:60]


class NoteAuthorship(models.Model):
    """Who wrote an anonymous note, as a keyed tag, kept only while the review is open."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="+")
    note = models.OneToOneField(Note, on_delete=models.CASCADE, related_name="authorship")
    author_tag = models.CharField(max_length=TAG_HEX)

    class Meta:
        indexes = [models.Index(fields=["review", "author_tag"], name="authorship_review_tag")]

    def __str__(self) -> str:
        return f"authorship of {self.note_id}"


class Vote(models.Model):
    """One vote on a theme, kept per voter (as a keyed tag) only while the vote phase lasts."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="+")
    theme = models.ForeignKey(Theme, on_delete=models.CASCADE, related_name="votes")
    voter_tag = models.CharField(max_length=TAG_HEX)

    class Meta:
        indexes = [models.Index(fields=["review", "voter_tag"], name="vote_review_voter")]

    def __str__(self) -> str:
        return f"vote on {self.theme_id}"


class MarkKind(models.TextChoices):
    SAFETY = "safety", _("Answered the safety check")
    ROTI = "roti", _("Rated the return on time")


class Mark(models.Model):
    """That someone answered the safety check or the return-on-time vote, never what.

    The answers themselves are counts on the review. Who answered is a keyed
    tag, so the row written together with a count says nothing about whose
    answer it was to anyone holding only the database.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=MarkKind)
    tag = models.CharField(max_length=TAG_HEX)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["review", "kind", "tag"], name="mark_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} mark in review {self.review_id}"


class FindingKind(models.TextChoices):
    DISCUSSION = "discussion", _("Discussion note")
    FINDING = "finding", _("Finding")
    FACTOR = "factor", _("Contributing factor")


class Finding(models.Model):
    """What the team said, found or named as a contributing factor while discussing a theme."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="findings")
    theme = models.ForeignKey(Theme, on_delete=models.CASCADE, related_name="findings")
    kind = models.CharField(_("kind"), max_length=12, choices=FindingKind)
    text = models.TextField(_("text"), max_length=3000)
    # Empty in reviews with anonymous notes.
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.text[:60]


class Question(models.Model):
    """A question asked while discussing a theme, with the asker's intent stated."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="questions")
    theme = models.ForeignKey(Theme, on_delete=models.CASCADE, related_name="questions")
    text = models.TextField(_("question"), max_length=2000)
    intent = models.TextField(_("I am asking because…"), max_length=2000)
    # Empty in reviews with anonymous notes.
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    answer = models.TextField(_("answer"), max_length=3000, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.text[:60]

    @property
    def is_answered(self) -> bool:
        return bool(self.answer)


class ActionStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DOING = "doing", _("Doing")
    DONE = "done", _("Done")
    DROPPED = "dropped", _("Dropped")


# Still to be done: carried to the next review, and may fall due.
UNFINISHED = (ActionStatus.OPEN, ActionStatus.DOING)


class CheckResult(models.TextChoices):
    """The answer to "Did it have the effect we expected?"."""

    WORKED = "worked", _("Yes")
    PARTLY = "partly", _("Partly")
    NOT = "not", _("No")
    TOO_EARLY = "too_early", _("Too early to tell")


class Action(models.Model):
    """An improvement action, carried from review to review until it is done or dropped.

    It comes out of a review's actions phase, or is added by hand on the
    team's action list (``review`` empty). On its check date the owner, or the
    team's leads for an action the whole team owns, is asked whether it had
    the effect expected; the latest answer is kept here, every answer and
    status change in :class:`ActionEvent`.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="review_actions")
    review = models.ForeignKey(
        Review, on_delete=models.SET_NULL, null=True, blank=True, related_name="actions"
    )
    theme = models.ForeignKey(
        Theme, on_delete=models.SET_NULL, null=True, blank=True, related_name="actions"
    )
    title = models.CharField(_("action"), max_length=200)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    due_on = models.DateField(_("due"), null=True, blank=True)
    expected_effect = models.TextField(_("we will know it worked when…"), max_length=2000)
    check_on = models.DateField(_("check on"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ActionStatus, default=ActionStatus.OPEN
    )
    # What happened, or why it was dropped: the latest word on its status.
    status_note = models.TextField(_("what happened"), max_length=2000, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    last_checked_in = models.ForeignKey(
        Review, on_delete=models.SET_NULL, null=True, blank=True, related_name="checked_actions"
    )
    # The latest answer to "did it work?"; "too early" moves ``check_on`` on.
    check_result = models.CharField(
        _("did it work?"), max_length=10, choices=CheckResult, blank=True
    )
    check_note = models.TextField(_("what we saw"), max_length=2000, blank=True)
    checked_at = models.DateTimeField(null=True, blank=True)
    # The due and check dates someone was last told about, so that the
    # nightly run tells each date once, and again after a date changes.
    due_told_for = models.DateField(null=True, blank=True)
    check_asked_for = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["team", "status"], name="action_team_status"),
            models.Index(fields=["check_on"], name="action_check_on"),
            models.Index(fields=["due_on"], name="action_due_on"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_unfinished(self) -> bool:
        return self.status in UNFINISHED

    def is_overdue(self, today: date) -> bool:
        return self.is_unfinished and self.due_on is not None and self.due_on < today


class ActionEventKind(models.TextChoices):
    CREATED = "created", _("Created")
    EDITED = "edited", _("Edited")
    STATUS = "status", _("Status changed")
    ASKED = "asked", _("Asked whether it worked")
    CHECKED = "checked", _("Checked whether it worked")


class ActionEvent(models.Model):
    """One line of an action's history: created, edited, a status change, a check."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="history")
    kind = models.CharField(max_length=10, choices=ActionEventKind)
    status = models.CharField(max_length=10, choices=ActionStatus, blank=True)
    result = models.CharField(max_length=10, choices=CheckResult, blank=True)
    note = models.TextField(max_length=2000, blank=True)
    # Which fields an edit changed, by name ("title", "due_on", ...).
    fields = models.JSONField(default=list, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} of action {self.action_id}"


class GuestLink(models.Model):
    """A link that lets people outside the team take part in one review.

    The link carries a random token; the table keeps only its hash, and a
    nonce from which the token is derived under a key made from the secret
    key (so that the facilitator can copy the link again, and a copy of the
    database alone opens nothing). A review has at most one link that is
    not revoked.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="guest_links")
    nonce = models.CharField(max_length=64, editable=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    # Whether guests may read the summary on the "thank you" page once the
    # review has ended (and only if its notes were revealed).
    share_summary = models.BooleanField(_("guests may read the summary afterwards"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("guest link")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"guest link of review {self.review_id}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class Guest(models.Model):
    """Someone who joined one review through its guest link.

    The person is a :class:`~marblejar.accounts.models.User` flagged
    ``is_guest``, with no membership, so that the board's code paths (notes,
    votes, presence, the anonymous tags) work for them unchanged; this row
    binds that person to the one review they may see. Their part ends
    (``ended_at``, and the account is deactivated) when the review closes or
    the link is revoked.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="guests")
    link = models.ForeignKey(GuestLink, on_delete=models.CASCADE, related_name="guests")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="review_guest"
    )
    joined_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("guest")
        indexes = [models.Index(fields=["link", "joined_at"], name="guest_link_joined")]

    def __str__(self) -> str:
        return f"guest {self.user_id} in review {self.review_id}"
