"""Reads for learning reviews, scoped to the reader's organization and team.

The privacy of notes lives here: :func:`notes_visible_to` returns other
people's notes only after the reveal, and every page, fragment and API
response that shows notes goes through it.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from marblejar import permissions
from marblejar.lib.prepared import PreparedPages, PreparedRead
from marblejar.lib.sealing import keyed_tag
from marblejar.realtime.models import Event
from marblejar.reviews.formats import DEFAULT_INTENT, builtin_formats
from marblejar.reviews.models import (
    TAG_NAMESPACE,
    UNFINISHED,
    WRITING_PHASES,
    Action,
    Finding,
    GoFirst,
    IntentStatement,
    Mark,
    MarkKind,
    Note,
    NoteAuthorship,
    Participant,
    Phase,
    Question,
    Review,
    ReviewTemplate,
    Theme,
    TimelineEvent,
    Vote,
)
from marblejar.teams.models import Membership, Role, Team

# Someone is "here" if their page has checked in this recently.
PRESENCE_WINDOW = timedelta(seconds=45)
# Fewer answers than this and the safety check's histogram is not shown:
# with two people, each could read the other's answer from it.
SAFETY_MIN_GROUP = 3


def review_list_for_team(*, user: Any, team: Team) -> QuerySet[Review]:
    permissions.require(user, "review.list", team)
    return Review.objects.filter(organization_id=user.organization_id, team=team).select_related(
        "facilitator"
    )


# A page of the list, read in every visit: compiled once per connection.
_REVIEW_PAGES = PreparedPages(
    "review_list_page",
    lambda organization_id, team_id, offset, size: (
        Review.objects.filter(organization_id=organization_id, team=team_id)
        .select_related("facilitator")
        .defer(*REVIEW_LIST_DEFERRED)[offset : offset + size]
    ),
    organization_id=-1001,
    team_id=-2001,
)


def review_list_page(*, user: Any, team: Team, offset: int, size: int) -> list[Review]:
    """``review_list_for_team(...).defer(*REVIEW_LIST_DEFERRED)[offset:offset + size]``."""
    permissions.require(user, "review.list", team)
    return _REVIEW_PAGES.all(
        organization_id=user.organization_id, team_id=team.pk, offset=offset, size=size
    )


# The team page's reviews (the newest few, each as its id, title and phase),
# read in every visit: compiled once per connection.
TEAM_PAGE_REVIEWS = 5
REVIEW_LIST_DEFERRED = (
    "purpose",
    "agenda",
    "intent",
    "columns",
    "safety_counts",
    "safety_shown",
    "roti_counts",
)
_TEAM_PAGE_REVIEWS = PreparedRead(
    "team_page_reviews",
    lambda organization_id, team_id: Review.objects.filter(
        organization_id=organization_id, team=team_id
    ).values_list("pk", "title", "phase")[:TEAM_PAGE_REVIEWS],
    organization_id=-1001,
    team_id=-2001,
)


def review_panel_for_team(*, user: Any, team: Team) -> list[tuple[int, str, str]]:
    """The first few of :func:`review_list_for_team`: each one's id, title and phase."""
    permissions.require(user, "review.list", team)
    return _TEAM_PAGE_REVIEWS.rows(organization_id=team.organization_id, team_id=team.pk)


def _review_read(
    organization_id: int, review_id: int, user_id: Any, stream: str, with_version: bool = False
) -> QuerySet[Review]:
    reviews = (
        Review.objects.filter(organization_id=organization_id, pk=review_id)
        .select_related("team", "facilitator")
        .annotate(
            reader_role=Subquery(
                Membership.objects.filter(team=OuterRef("team_id"), user=user_id).values("role")[:1]
            )
        )
    )
    if with_version:
        newest = Event.objects.filter(stream=stream).order_by("-id")
        reviews = reviews.annotate(version=Subquery(newest.values("id")[:1]))
    return reviews


# Every request of the board and of each of its parts reads its review this
# way: compiled to SQL once per connection rather than once per request.
_STAND_INS = {
    "organization_id": -7_000_001,
    "review_id": -7_000_002,
    "user_id": -7_000_003,
    "stream": "review:stand-in",
}
_REVIEW = PreparedRead("review_get", _review_read, **_STAND_INS)
_REVIEW_WITH_VERSION = PreparedRead(
    "review_get_with_version",
    lambda **values: _review_read(**values, with_version=True),
    **_STAND_INS,
)


def review_get(
    *, user: Any, review_id: int, action: str = "review.view", with_version: bool = False
) -> Review:
    """The review, if the user may ``action`` it; 404 when it is not theirs to see.

    The reader's role in its team comes with it (one query, not two): every
    permission asked about the review during the request reads it. With
    ``with_version``, so does the id of the newest event on its stream
    (``review.version``): read in the same statement, it names exactly the
    state the review was read in, which :func:`review_last_event_id`, a
    query of its own, can only do by being read first.
    """
    read = _REVIEW_WITH_VERSION if with_version else _REVIEW
    review = read.first(
        organization_id=user.organization_id,
        review_id=int(review_id),
        user_id=user.pk,
        stream=f"review:{int(review_id)}",
    )
    if review is not None:
        permissions.remember_role(user, review.team, review.reader_role)
        if with_version:
            review.version = review.version or 0
    if review is None or not permissions.can(user, "review.view", review):
        raise Http404
    permissions.require(user, action, review)
    return review


def review_last_event_id(*, review: Review | None = None, review_id: int | None = None) -> int:
    """The id of the newest event on the review's stream (0 for none).

    A page that says which version it shows must read this *before* it
    reads the review: read after, a change committed in between would be
    claimed as shown while the page still shows the state before it, and
    the browser would then skip that change's signal.
    """
    stream = review.stream if review is not None else f"review:{review_id}"
    return (
        Event.objects.filter(stream=stream).order_by("-id").values_list("id", flat=True)
    ).first() or 0


def intent_text_for(*, team: Team) -> str:
    statement = IntentStatement.objects.filter(
        organization_id=team.organization_id, team=team
    ).first()
    if statement:
        return statement.text
    return default_intent_text()


def default_intent_text() -> str:
    from django.utils.translation import gettext

    return gettext(DEFAULT_INTENT)


def review_list_figures() -> dict[str, Any]:
    """For ``team_get(annotate=review_list_figures)``: the team's review count and intent."""
    count = (
        Review.objects.filter(team=OuterRef("pk"))
        .order_by()
        .values("team")
        .annotate(n=Count("pk"))
        .values("n")
    )
    intent = IntentStatement.objects.filter(team=OuterRef("pk")).values("text")[:1]
    return {
        "review_count": Coalesce(Subquery(count), Value(0)),
        "intent_text": Subquery(intent),
    }


def format_choices(*, team: Team) -> list[tuple[str, str]]:
    """(value, label) for every template the team can use: built-in, then its own."""
    choices = [(f"builtin:{key}", fmt.name) for key, fmt in builtin_formats().items()]
    for template in ReviewTemplate.objects.filter(organization_id=team.organization_id, team=team):
        choices.append((f"team:{template.pk}", template.name))
    return choices


def team_templates(*, team: Team) -> QuerySet[ReviewTemplate]:
    return ReviewTemplate.objects.filter(organization_id=team.organization_id, team=team)


# Notes ------------------------------------------------------------------------


def is_note_author(*, user: Any, note: Note) -> bool:
    if note.author_id is not None:
        return note.author_id == user.pk
    return NoteAuthorship.objects.filter(
        note_id=note.pk, author_tag=note.review.tag_for(user, "note")
    ).exists()


def _written_by(user_id: Any, tag: str) -> Q:
    """Notes by ``user_id``: named, or anonymous with their tag while the review is open."""
    return Q(author=user_id) | Q(authorship__author_tag=tag)


NOTE_ORDER = ("column", "created_at", "text")


def my_notes(*, user: Any, review: Review) -> QuerySet[Note]:
    """The notes ``user`` wrote in ``review`` (named or, while it is open, anonymous)."""
    return (
        Note.objects.filter(organization_id=review.organization_id, review=review)
        .filter(_written_by(user.pk, review.tag_for(user, "note")))
        .select_related("timeline_event", "author")
        .order_by(*NOTE_ORDER)
    )


def notes_visible_to(*, user: Any, review: Review) -> QuerySet[Note]:
    """Every note ``user`` may read: their own always, everyone's after the reveal.

    The reveal is the move to the group phase, which the go-first gate
    guards (see ``services.review_advance_phase``). Before it, nobody else's
    text leaves the server, whoever asks.
    """
    notes = Note.objects.filter(organization_id=review.organization_id, review=review)
    if not review.is_revealed:
        return my_notes(user=user, review=review)
    return notes.select_related("author", "theme", "timeline_event").order_by(*NOTE_ORDER)


def _card_values(notes: QuerySet[Note]) -> QuerySet[Note]:
    return (
        notes.filter(timeline_event__isnull=True)
        .order_by(*NOTE_ORDER)
        .values_list("pk", "column", "text", "theme_id", "author_id", "author__display_name")
    )


# The board's cards are read on every reload of a column or the group part:
# compiled once per connection (see lib/prepared.py).
_CARDS = PreparedRead(
    "note_cards",
    lambda organization_id, review_id: _card_values(
        Note.objects.filter(organization_id=organization_id, review_id=review_id)
    ),
    organization_id=-7_000_001,
    review_id=-7_000_002,
)
_MY_CARDS = PreparedRead(
    "my_note_cards",
    lambda organization_id, review_id, user_id, tag: _card_values(
        Note.objects.filter(organization_id=organization_id, review_id=review_id).filter(
            _written_by(user_id, tag)
        )
    ),
    organization_id=-7_000_001,
    review_id=-7_000_002,
    user_id=-7_000_003,
    tag="tag:stand-in",
)


_THEMED_NOTES = PreparedRead(
    "themed_note_values",
    lambda organization_id, review_id: (
        Note.objects.filter(
            organization_id=organization_id, review_id=review_id, theme__isnull=False
        )
        .order_by("column", "text")
        .values_list("theme_id", "column", "text")
    ),
    organization_id=-7_000_001,
    review_id=-7_000_002,
)


def themed_note_values(*, review: Review) -> list[tuple[Any, ...]]:
    """(theme id, column, text) of every note in one of the review's themes.

    In the order the vote part shows each theme's cards (by column, then
    text), as plain values: the vote part needs nothing else of a note.
    """
    return _THEMED_NOTES.rows(organization_id=review.organization_id, review_id=review.pk)


def note_cards_visible_to(*, user: Any, review: Review) -> list[tuple[Any, ...]]:
    """The notes of :func:`notes_visible_to` in the columns (not on the timeline), as values.

    Each row is (id, column, text, theme id, author id, author's name): what
    a card shows, in the same order.
    """
    ids = {"organization_id": review.organization_id, "review_id": review.pk}
    if not review.is_revealed:
        return _MY_CARDS.rows(**ids, user_id=user.pk, tag=review.tag_for(user, "note"))
    return _CARDS.rows(**ids)


_NOTE_COUNTS = PreparedRead(
    "note_counts",
    lambda organization_id, review_id: (
        Note.objects.filter(organization_id=organization_id, review_id=review_id)
        .values("column", "timeline_event_id")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("column", "timeline_event_id", "n")
    ),
    organization_id=-7_000_001,
    review_id=-7_000_002,
)


def note_counts(*, review: Review) -> dict[str, int]:
    """How many notes each column (and the timeline) holds: what others see before the reveal."""
    counts = {key: 0 for key in review.column_keys}
    counts["timeline"] = 0
    rows = _NOTE_COUNTS.rows(organization_id=review.organization_id, review_id=review.pk)
    for column, timeline_event_id, n in rows:
        key = "timeline" if timeline_event_id else column
        counts[key] = counts.get(key, 0) + n
    return counts


def note_counts_for_reviews(*, reviews: list[Review]) -> dict[int, dict[str, int]]:
    """:func:`note_counts` for many reviews in one query (the API's list)."""
    counts = {r.pk: {**{key: 0 for key in r.column_keys}, "timeline": 0} for r in reviews}
    if not reviews:
        return counts
    rows = (
        Note.objects.filter(organization_id=reviews[0].organization_id, review_id__in=list(counts))
        .values("review_id", "column", "timeline_event_id")
        .annotate(n=Count("id"))
    )
    for row in rows:
        key = "timeline" if row["timeline_event_id"] else row["column"]
        by_review = counts[row["review_id"]]
        by_review[key] = by_review.get(key, 0) + row["n"]
    return counts


def note_get(*, user: Any, review: Review, note_id: Any) -> Note:
    """A note the user may see (their own, or anyone's after the reveal)."""
    note = notes_visible_to(user=user, review=review).filter(pk=note_id).first()
    if note is None:
        raise Http404
    note.review = review
    return note


def timeline(*, review: Review) -> QuerySet[TimelineEvent]:
    return TimelineEvent.objects.filter(organization_id=review.organization_id, review=review)


# Themes, votes, discussion -------------------------------------------------------


def themes(*, review: Review) -> QuerySet[Theme]:
    return Theme.objects.filter(organization_id=review.organization_id, review=review)


_THEMES = PreparedRead(
    "themes",
    lambda organization_id, review_id: Theme.objects.filter(
        organization_id=organization_id, review_id=review_id
    ),
    organization_id=-7_000_001,
    review_id=-7_000_002,
)


def themes_list(*, review: Review) -> list[Theme]:
    """:func:`themes`, read with SQL compiled once per connection (the group part)."""
    return _THEMES.all(organization_id=review.organization_id, review_id=review.pk)


def themes_in_vote_order(*, review: Review) -> QuerySet[Theme]:
    return themes(review=review).order_by("-vote_count", "position", "id")


_THEMES_BY_VOTES = PreparedRead(
    "themes_in_vote_order",
    lambda organization_id, review_id: Theme.objects.filter(
        organization_id=organization_id, review_id=review_id
    ).order_by("-vote_count", "position", "id"),
    organization_id=-7_000_001,
    review_id=-7_000_002,
)


def themes_in_vote_order_list(*, review: Review) -> list[Theme]:
    """:func:`themes_in_vote_order`, read with SQL compiled once per connection (the board)."""
    return _THEMES_BY_VOTES.all(organization_id=review.organization_id, review_id=review.pk)


def theme_get(*, review: Review, theme_id: int) -> Theme:
    theme = themes(review=review).filter(pk=theme_id).first()
    if theme is None:
        raise Http404
    return theme


def my_votes(*, user: Any, review: Review) -> dict[int, int]:
    """Theme id -> how many of the user's votes it holds (only during the vote phase)."""
    rows = (
        Vote.objects.filter(
            organization_id=review.organization_id,
            review=review,
            voter_tag=review.tag_for(user, "vote"),
        )
        .values("theme_id")
        .annotate(n=Count("id"))
    )
    return {row["theme_id"]: row["n"] for row in rows}


def themes_with_my_votes(*, user: Any, review: Review) -> QuerySet[Theme]:
    """The review's themes, each with ``my_votes``: how many of the user's votes it holds.

    :func:`my_votes` and :func:`themes` in one query, for the vote part.
    """
    mine = (
        Vote.objects.filter(
            organization_id=review.organization_id,
            review=review,
            theme=OuterRef("pk"),
            voter_tag=review.tag_for(user, "vote"),
        )
        .order_by()
        .values("theme")
        .annotate(n=Count("id"))
        .values("n")
    )
    return themes(review=review).annotate(my_votes=Coalesce(Subquery(mine), 0))


_THEMES_WITH_MY_VOTES = PreparedRead(
    "themes_with_my_votes",
    lambda organization_id, review_id, tag: Theme.objects.filter(
        organization_id=organization_id, review_id=review_id
    ).annotate(
        my_votes=Subquery(
            Vote.objects.filter(
                organization_id=organization_id,
                review_id=review_id,
                theme=OuterRef("pk"),
                voter_tag=tag,
            )
            .order_by()
            .values("theme")
            .annotate(n=Count("id"))
            .values("n")
        )
    ),
    organization_id=-7_000_001,
    review_id=-7_000_002,
    tag="tag:stand-in",
)


def themes_with_my_votes_list(*, user: Any, review: Review) -> list[Theme]:
    """:func:`themes_with_my_votes`, read with SQL compiled once per connection (the vote part)."""
    themes = _THEMES_WITH_MY_VOTES.all(
        organization_id=review.organization_id,
        review_id=review.pk,
        tag=review.tag_for(user, "vote"),
    )
    for theme in themes:
        theme.my_votes = theme.my_votes or 0
    return themes


def findings(*, review: Review) -> QuerySet[Finding]:
    return Finding.objects.filter(
        organization_id=review.organization_id, review=review
    ).select_related("author")


def questions(*, review: Review) -> QuerySet[Question]:
    return Question.objects.filter(
        organization_id=review.organization_id, review=review
    ).select_related("asked_by", "answered_by")


def question_get(*, review: Review, question_id: int) -> Question:
    question = questions(review=review).filter(pk=question_id).first()
    if question is None:
        raise Http404
    return question


# Actions -------------------------------------------------------------------------


def actions_for_review(*, review: Review) -> QuerySet[Action]:
    return Action.objects.filter(
        organization_id=review.organization_id, review=review
    ).select_related("owner")


_ACTIONS = PreparedRead(
    "actions_for_review",
    lambda organization_id, review_id: Action.objects.filter(
        organization_id=organization_id, review_id=review_id
    ).select_related("owner"),
    organization_id=-7_000_001,
    review_id=-7_000_002,
)


def actions_for_review_list(*, review: Review) -> list[Action]:
    """:func:`actions_for_review`, read with SQL compiled once per connection (the board)."""
    return _ACTIONS.all(organization_id=review.organization_id, review_id=review.pk)


def open_actions_from_earlier(*, review: Review) -> QuerySet[Action]:
    """The team's actions from earlier reviews (or added by hand) still to be done,
    or whose status was set in this one; each shows its latest check answer."""
    return (
        Action.objects.filter(organization_id=review.organization_id, team_id=review.team_id)
        .exclude(review=review)
        .filter(Q(status__in=UNFINISHED) | Q(last_checked_in=review))
        .select_related("owner", "review")
    )


# Presence and the safety check ----------------------------------------------------


def participants_present(*, review: Review) -> QuerySet[Participant]:
    since = timezone.now() - PRESENCE_WINDOW
    return (
        Participant.objects.filter(
            organization_id=review.organization_id, review=review, last_seen__gte=since
        )
        .select_related("user")
        .order_by("user__display_name")
    )


_PROGRESS = PreparedRead(
    "writing_progress",
    lambda organization_id, review_id, phase, user_id: (
        Participant.objects.filter(organization_id=organization_id, review_id=review_id)
        .values("review_id")
        .annotate(
            total=Count("id"),
            done=Count("id", filter=Q(done_in=phase)),
            mine=Count("id", filter=Q(done_in=phase) & Q(user=user_id)),
        )
        .order_by()
        .values_list("total", "done", "mine")
    ),
    organization_id=-7_000_001,
    review_id=-7_000_002,
    phase="phase:stand-in",
    user_id=-7_000_003,
)


def writing_progress(*, review: Review, user: Any = None) -> dict[str, int]:
    """How many of the people in the review are done writing in its phase: two counts, no names.

    With ``user``, also whether that reader said they are done (``mine``,
    0 or 1), read in the same query: their own button shows it.
    """
    rows = _PROGRESS.rows(
        organization_id=review.organization_id,
        review_id=review.pk,
        phase=review.phase,
        user_id=user.pk if user is not None else 0,
    )
    total, done, mine = rows[0] if rows else (0, 0, 0)
    counts = {"total": total or 0, "done": done or 0}
    if user is not None:
        counts["mine"] = mine or 0
    return counts


_PRESENT_NAMES = PreparedRead(
    "present_names",
    lambda organization_id, review_id, since: (
        Participant.objects.filter(
            organization_id=organization_id, review_id=review_id, last_seen__gte=since
        )
        .order_by("user__display_name")
        .values_list("user__display_name", "user__is_guest")
    ),
    organization_id=-7_000_001,
    review_id=-7_000_002,
    since=datetime(1901, 2, 3, 4, 5, 6, tzinfo=UTC),
)


def present_names(*, review: Review) -> list[str]:
    """The display names of the people on the board now, in order: what "Here now" shows.

    A guest of the review (see ``services/guests.py``) is marked as one.
    """
    from django.utils.translation import gettext

    rows = _PRESENT_NAMES.rows(
        organization_id=review.organization_id,
        review_id=review.pk,
        since=timezone.now() - PRESENCE_WINDOW,
    )
    return [gettext("%(name)s (guest)") % {"name": name} if guest else name for name, guest in rows]


@dataclass
class SafetyResult:
    counts: list[tuple[int, str, int]]  # (level, label, how many), as shown
    total: int  # answers shown
    waiting_for: int
    shown: bool
    low: bool
    median: float | None
    # Answers that arrived after the histogram was shown and wait for a
    # batch of their own (see safety_reveal_due).
    not_yet_shown: int = 0
    me_answered: bool = False

    @property
    def answered(self) -> int:
        return self.total + self.not_yet_shown

    @property
    def max_count(self) -> int:
        return max((c for _level, _label, c in self.counts), default=0)


def _int_counts(raw: dict[str, Any]) -> dict[int, int]:
    return {int(k): int(v) for k, v in raw.items() if int(v)}


def safety_waiting(*, review: Review) -> int:
    """How many people on the board now have not answered the safety check (one query each)."""
    present = [p.user for p in participants_present(review=review)]
    tags = {review.tag_for(user, MarkKind.SAFETY) for user in present}
    answered = Mark.objects.filter(review=review, kind=MarkKind.SAFETY, tag__in=tags).count()
    return len(present) - answered


def safety_reveal_due(*, review: Review, waiting: int) -> dict[str, int] | None:
    """The counts to show from now on, when more may be shown; None when nothing changes.

    The first histogram needs :data:`SAFETY_MIN_GROUP` answers and everyone
    on the board to have answered (or the check-in to be over). After that,
    answers are added in batches of at least :data:`SAFETY_MIN_GROUP`:
    someone who saw the histogram before and after one more answer would
    otherwise know that answer.
    """
    counts = _int_counts(review.safety_counts)
    shown = _int_counts(review.safety_shown)
    pending = sum(counts.values()) - sum(shown.values())
    if not pending:
        return None
    if shown:
        due = pending >= SAFETY_MIN_GROUP
    else:
        everyone = waiting == 0 or review.phase_reached(Phase.FOLLOWUP)
        due = everyone and pending >= SAFETY_MIN_GROUP
    return {str(level): n for level, n in counts.items()} if due else None


def safety_result(
    *, review: Review, labels: tuple[str, ...], user: Any = None, waiting: int = 0
) -> SafetyResult:
    """The safety check's histogram as participants may see it (``review.safety_shown``).

    ``low`` says that a vote of 1 was cast or the median is 2 or less.
    """
    counts = _int_counts(review.safety_shown)
    total = sum(counts.values())
    values = [level for level, n in sorted(counts.items()) for _ in range(n)]
    median = statistics.median(values) if values else None
    low = bool(values) and (counts.get(1, 0) > 0 or (median is not None and median <= 2))
    me_answered = user is not None and (
        Mark.objects.filter(
            review=review, kind=MarkKind.SAFETY, tag=review.tag_for(user, MarkKind.SAFETY)
        ).exists()
    )
    return SafetyResult(
        counts=[(level, label, counts.get(level, 0)) for level, label in enumerate(labels, 1)],
        total=total,
        waiting_for=waiting,
        shown=total > 0,
        low=low,
        median=median,
        not_yet_shown=sum(_int_counts(review.safety_counts).values()) - total,
        me_answered=me_answered,
    )


def has_rated(*, user: Any, review: Review) -> bool:
    tag = review.tag_for(user, MarkKind.ROTI)
    return Mark.objects.filter(review=review, kind=MarkKind.ROTI, tag=tag).exists()


# Reminders -------------------------------------------------------------------------


def contributor_ids(*, review: Review) -> set[int]:
    """Who has taken part in the review's current phase, as far as the review records it.

    Where a phase records what each person did (the safety check, notes and
    going first, votes, named discussion), that is what counts. Where it
    records nothing per person (open actions, grouping, and the discussion
    in a review with anonymous notes), having had the board open since the
    phase began counts. Before the review starts nobody can take part yet.
    """
    phase = review.phase
    org = review.organization_id
    ids: set[int] = set()
    members = list(
        Membership.objects.filter(organization_id=org, team_id=review.team_id).values_list(
            "user", flat=True
        )
    )

    def tagged(model: Any, field: str, purpose: str, **filters: Any) -> set[int]:
        # Only the server can tell whose a keyed tag is: by making each
        # member's tag and looking for it. The set is used, never stored.
        by_tag = {keyed_tag(TAG_NAMESPACE, purpose, review.pk, pk): pk for pk in members}
        found = model.objects.filter(
            organization_id=org, review=review, **{f"{field}__in": list(by_tag)}, **filters
        ).values_list(field, flat=True)
        return {by_tag[tag] for tag in found}

    if phase == Phase.CHECKIN:
        ids |= tagged(Mark, "tag", MarkKind.SAFETY, kind=MarkKind.SAFETY)
    elif phase in WRITING_PHASES:
        notes = Note.objects.filter(organization_id=org, review=review)
        ids |= set(notes.exclude(author=None).values_list("author_id", flat=True))
        ids |= tagged(NoteAuthorship, "author_tag", "note")
        ids |= set(
            GoFirst.objects.filter(organization_id=org, review=review)
            .exclude(author=None)
            .values_list("author_id", flat=True)
        )
    elif phase == Phase.VOTE:
        ids |= tagged(Vote, "voter_tag", "vote")
    elif phase in (Phase.DISCUSS, Phase.ACTIONS):
        for field, rows in (
            ("author_id", findings(review=review)),
            ("asked_by_id", questions(review=review)),
            ("answered_by_id", questions(review=review)),
            ("created_by_id", actions_for_review(review=review)),
        ):
            ids |= {i for i in rows.values_list(field, flat=True) if i is not None}
    if phase in (Phase.FOLLOWUP, Phase.GROUP) or (
        review.anonymous and phase in (Phase.DISCUSS, Phase.ACTIONS)
    ):
        ids |= set(
            Participant.objects.filter(
                organization_id=org, review=review, last_seen__gte=review.phase_changed_at
            ).values_list("user_id", flat=True)
        )
    return ids


def reminder_recipients(*, review: Review) -> tuple[list[Any], list[Any]]:
    """(people to remind, people who run it) for the day-before reminder.

    The facilitator gets a note of their own; if they are no longer in the
    team, the team's leads do. Everyone else in the team who has not taken
    part in the current phase gets a reminder; before the review has started
    there is nothing to take part in yet, so nobody does.
    """
    members = [
        m.user
        for m in Membership.objects.filter(
            organization_id=review.organization_id, team_id=review.team_id
        )
        .select_related("user")
        .order_by("user_id")
        if m.user.is_active and m.user.email
    ]
    runners = [u for u in members if u.pk == review.facilitator_id]
    if not runners:
        leads = set(
            Membership.objects.filter(team_id=review.team_id, role=Role.LEAD).values_list(
                "user_id", flat=True
            )
        )
        runners = [u for u in members if u.pk in leads]
    if not review.is_started:
        return [], runners
    done = contributor_ids(review=review) | {u.pk for u in runners}
    return [u for u in members if u.pk not in done], runners


# Export ---------------------------------------------------------------------------


def review_export_for_user(user: Any) -> dict[str, Any]:
    """What the reviews hold that this person wrote (for "Download my data").

    Anonymous notes of closed reviews are not included: nothing links them to
    anyone any more, which is the point.
    """
    # Anonymous notes are theirs only while the review is open: find them by
    # the keyed tag of each open anonymous review of the person's teams.
    open_anonymous = Review.objects.filter(
        organization_id=user.organization_id,
        team__memberships__user=user,
        anonymous=True,
    ).exclude(phase=Phase.CLOSED)
    tags = [review.tag_for(user, "note") for review in open_anonymous]
    notes = Note.objects.filter(Q(author=user) | Q(authorship__author_tag__in=tags)).select_related(
        "review"
    )
    return {
        "notes": [{"review": n.review.title, "column": n.column, "text": n.text} for n in notes],
        "go_first": [
            {"review": g.review.title, "part": g.part, "revisit": g.revisit}
            for g in user_go_firsts(user)
        ],
        "questions": [
            {"review": q.review.title, "question": q.text, "intent": q.intent}
            for q in Question.objects.filter(asked_by=user).select_related("review")
        ],
        "findings": [
            {"review": f.review.title, "kind": f.kind, "text": f.text}
            for f in Finding.objects.filter(author=user).select_related("review")
        ],
    }


def user_go_firsts(user: Any) -> QuerySet[Any]:
    return GoFirst.objects.filter(author=user).select_related("review")
