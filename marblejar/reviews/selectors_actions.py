"""Reads for improvement actions: the team's list, one action and its history,
what the next review and insights show of them, and recurring themes.

Every read is scoped to the team (and its organization); a list reads its
rows in a fixed number of queries, however many actions there are.
"""

from __future__ import annotations

import functools
import statistics
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from django.db import connection
from django.db.models import (
    Case,
    F,
    IntegerField,
    Prefetch,
    QuerySet,
    Value,
    When,
    prefetch_related_objects,
)
from django.http import Http404
from django.utils import timezone

from marblejar import permissions
from marblejar.lib.prepared import PreparedPages, PreparedRead
from marblejar.reviews import recurring
from marblejar.reviews.models import (
    UNFINISHED,
    Action,
    ActionEvent,
    ActionStatus,
    CheckResult,
    Review,
    Theme,
)
from marblejar.teams.models import Membership, Team

# The orders the list can be sorted in; the first is the default: what is still
# to do comes first (open, doing, then done and dropped), soonest due first.
SORTS = ("status", "due", "check", "created")
STATUS_ORDER = [s.value for s in ActionStatus]


@dataclass(frozen=True)
class ActionFilter:
    """What the list shows: already checked by the filter form."""

    status: str = ""  # one of ActionStatus, or "" for all
    owner: str = ""  # a user id, "team" (owned by the whole team), or "" for anyone
    overdue: bool = False
    review: str = ""  # a review id, "hand" (added by hand), or "" for any
    sort: str = SORTS[0]


def action_list_for_team(
    *,
    user: Any,
    team: Team,
    filters: ActionFilter | None = None,
    today: date | None = None,
    checked: bool = False,
) -> QuerySet[Action]:
    """The team's actions, filtered and sorted; empty dates sort last.

    ``checked``: the caller has asked the permission already.
    """
    if not checked:
        permissions.require(user, "review.list", team)
    filters = filters or ActionFilter()
    today = today or timezone.localdate()
    qs = Action.objects.filter(organization_id=team.organization_id, team=team).select_related(
        "owner", "review"
    )
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.owner == "team":
        qs = qs.filter(owner__isnull=True)
    elif filters.owner:
        qs = qs.filter(owner_id=int(filters.owner))
    if filters.overdue:
        qs = qs.filter(status__in=UNFINISHED, due_on__lt=today)
    if filters.review == "hand":
        qs = qs.filter(review__isnull=True)
    elif filters.review:
        qs = qs.filter(review_id=int(filters.review))
    order = {
        "due": [F("due_on").asc(nulls_last=True), "created_at"],
        "check": [F("check_on").asc(nulls_last=True), "created_at"],
        "created": ["-created_at"],
        "status": [
            Case(
                *[When(status=s, then=Value(i)) for i, s in enumerate(STATUS_ORDER)],
                output_field=IntegerField(),
            ),
            F("due_on").asc(nulls_last=True),
        ],
    }[filters.sort if filters.sort in SORTS else SORTS[0]]
    return qs.order_by(*order, "id")


def _unfiltered_page(organization_id: int, team_id: int, offset: int, size: int) -> Any:
    actions = action_list_for_team(
        user=None, team=Team(pk=team_id, organization_id=organization_id), checked=True
    )
    return actions.values_list(*ACTION_ROW_COLUMNS)[offset : offset + size]


# What a row of the list shows, in this order.
ACTION_ROW_COLUMNS = (
    "pk",
    "title",
    "review__title",
    "status",
    "owner__display_name",
    "due_on",
    "check_on",
    "check_result",
)
# A page of the unfiltered list, read in every visit: compiled once per connection.
_ACTION_PAGES = PreparedPages(
    "action_list_page", _unfiltered_page, organization_id=-1001, team_id=-2001
)


def action_page_rows(*, user: Any, team: Team, offset: int, size: int) -> list[tuple[Any, ...]]:
    """``action_list_for_team(...)`` unfiltered, as rows of :data:`ACTION_ROW_COLUMNS`."""
    permissions.require(user, "review.list", team)
    return _ACTION_PAGES.rows(
        organization_id=team.organization_id, team_id=team.pk, offset=offset, size=size
    )


_PEOPLE = PreparedRead(
    "action_list_people",
    lambda organization_id, team_id: (
        Membership.objects.filter(team=team_id, organization_id=organization_id)
        .order_by("role", "user__display_name")
        .values_list("user_id", "user__display_name")
    ),
    organization_id=-1001,
    team_id=-2001,
)


def people_rows(*, team: Team) -> list[tuple[int, str]]:
    """The team's people as (id, name), leads first (as ``team_members`` orders them)."""
    return _PEOPLE.rows(organization_id=team.organization_id, team_id=team.pk)


def action_counts(*, actions: QuerySet[Action], today: date) -> dict[str, int]:
    """How many of ``actions`` there are, open, doing, overdue and waiting for
    "did it work?", in one query whatever the length of the list.

    The list's own statement, reading four columns, counted by a statement
    written once around it: the ORM took longer to build the same counts as
    five filtered aggregates than the database took to answer them.
    """
    inner, params = (
        actions.order_by()
        .values_list("status", "due_on", "check_on", "check_result")
        .query.sql_with_params()
    )
    day = connection.ops.adapt_datefield_value(today)
    values = [
        ActionStatus.OPEN,
        ActionStatus.DOING,
        *UNFINISHED,
        day,
        day,
        CheckResult.TOO_EARLY,
        ActionStatus.DROPPED,
    ]
    with connection.cursor() as cursor:
        cursor.execute(_counts_sql(len(UNFINISHED)) % inner, [*values, *params])
        row = cursor.fetchone()
    names = ("total", "open", "doing", "overdue", "to_check")
    return {name: int(n or 0) for name, n in zip(names, row, strict=True)}


@functools.cache
def _counts_sql(unfinished: int) -> str:
    # Every value a parameter; the list's statement goes in as %s (its own
    # placeholders are escaped by the ORM's compiler, not here: see the call).
    q = connection.ops.quote_name
    status, due, check, result = q("status"), q("due_on"), q("check_on"), q("check_result")
    marks = ", ".join(["%%s"] * unfinished)
    return (
        "SELECT COUNT(*), "  # noqa: S608
        f"SUM(CASE WHEN {status} = %%s THEN 1 ELSE 0 END), "
        f"SUM(CASE WHEN {status} = %%s THEN 1 ELSE 0 END), "
        f"SUM(CASE WHEN {status} IN ({marks}) AND {due} < %%s THEN 1 ELSE 0 END), "
        f"SUM(CASE WHEN {check} <= %%s AND {result} IN ('', %%s) AND {status} <> %%s "
        "THEN 1 ELSE 0 END) "
        "FROM (%s) listed"
    )


def reviews_with_actions(*, team: Team) -> QuerySet[Review]:
    """The team's reviews that produced actions, for the "from which review" filter."""
    return (
        Review.objects.filter(
            organization_id=team.organization_id, team=team, actions__isnull=False
        )
        .distinct()
        .order_by("-created_at")
        .only("id", "title", "created_at")
    )


_REVIEWS_WITH_ACTIONS = PreparedRead(
    "action_list_reviews",
    lambda organization_id, team_id: reviews_with_actions(
        team=Team(pk=team_id, organization_id=organization_id)
    ).values_list("id", "title"),
    organization_id=-1001,
    team_id=-2001,
)


def reviews_with_actions_rows(*, team: Team) -> list[tuple[int, str]]:
    """:func:`reviews_with_actions` as (id, title)."""
    return _REVIEWS_WITH_ACTIONS.rows(organization_id=team.organization_id, team_id=team.pk)


def action_get(*, user: Any, action_id: int) -> Action:
    """The action, if the reader is in its team; 404 otherwise (it is not theirs to see)."""
    action = (
        Action.objects.filter(organization_id=user.organization_id, pk=action_id)
        .select_related("team", "owner", "review", "theme")
        .first()
    )
    if action is None or not permissions.can(user, "review.list", action.team):
        raise Http404
    return action


def action_history(*, action: Action) -> QuerySet[ActionEvent]:
    return ActionEvent.objects.filter(
        organization_id=action.organization_id, action=action
    ).select_related("actor")


# For the next review ---------------------------------------------------------------


def action_checks_for_review(*, review: Review) -> QuerySet[Action]:
    """Actions of the team whose "did it work?" was answered since its previous review.

    Belongs in the board's *Open actions* phase (the ``followup`` part of
    ``reviews/_parts.html``), under the open actions, drawn with
    ``reviews/_action_checks.html`` (context: ``action_checks``): what the
    team learned from its actions since it last met. The open actions
    themselves already show their latest check answer through
    ``reviews/_action.html``.
    """
    previous = (
        Review.objects.filter(
            organization_id=review.organization_id,
            team_id=review.team_id,
            created_at__lt=review.created_at,
        )
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    qs = Action.objects.filter(
        organization_id=review.organization_id,
        team_id=review.team_id,
        checked_at__isnull=False,
    ).exclude(review=review)
    if previous is not None:
        qs = qs.filter(checked_at__gte=previous)
    return qs.select_related("owner", "review").order_by("-checked_at", "id")


# For insights ----------------------------------------------------------------------


@dataclass
class ActionFigures:
    """A team's actions over a period: opened, done, how fast, and whether they worked."""

    opened: int = 0
    done: int = 0
    days_to_done: list[int] = field(default_factory=list)
    worked: int = 0
    partly: int = 0
    not_worked: int = 0
    too_early: int = 0

    @property
    def median_days_to_done(self) -> float | None:
        return statistics.median(self.days_to_done) if self.days_to_done else None

    @property
    def checked(self) -> int:
        return self.worked + self.partly + self.not_worked


def action_figures(
    *, team_ids: list[int], since: datetime, until: datetime
) -> dict[int, ActionFigures]:
    """Per team, over ``[since, until)``: actions opened, done, median days to done, checks.

    "Done" counts actions marked done in the period (days from creation);
    the checks count each action's latest answer given in the period. Team
    figures only: nothing here is per person. Three queries, whatever the
    number of teams.
    """
    out = {team_id: ActionFigures() for team_id in team_ids}
    base = Action.objects.filter(team_id__in=team_ids)
    for team_id in base.filter(created_at__gte=since, created_at__lt=until).values_list(
        "team_id", flat=True
    ):
        out[team_id].opened += 1
    for team_id, created, done in base.filter(
        status=ActionStatus.DONE, done_at__gte=since, done_at__lt=until
    ).values_list("team_id", "created_at", "done_at"):
        out[team_id].done += 1
        out[team_id].days_to_done.append(max(0, (done - created).days))
    attribute = {
        CheckResult.WORKED: "worked",
        CheckResult.PARTLY: "partly",
        CheckResult.NOT: "not_worked",
        CheckResult.TOO_EARLY: "too_early",
    }
    for team_id, result in base.filter(checked_at__gte=since, checked_at__lt=until).values_list(
        "team_id", "check_result"
    ):
        if result in attribute:
            name = attribute[CheckResult(result)]
            setattr(out[team_id], name, getattr(out[team_id], name) + 1)
    return out


# Recurring themes ------------------------------------------------------------------


@dataclass(frozen=True)
class EarlierTheme:
    """An earlier theme of the team that a new one looks like, and what came of it."""

    theme: Theme
    review: Review
    score: float
    actions: list[Action]

    @property
    def on(self) -> datetime:
        return self.review.scheduled_for or self.review.created_at


# Read on every rendering of the group part: compiled once per connection.
_EARLIER_THEMES = PreparedRead(
    "earlier_themes",
    lambda organization_id, team_id, review_id, before: (
        Theme.objects.filter(
            organization_id=organization_id,
            review__team_id=team_id,
            review__created_at__lt=before,
        )
        .exclude(review_id=review_id)
        .select_related("review")
        .order_by("-review__created_at", "position", "id")
    ),
    organization_id=-7_000_001,
    team_id=-7_000_005,
    review_id=-7_000_002,
    before=datetime(1901, 2, 3, 4, 5, 6, tzinfo=UTC),
)


def _earlier_themes(review: Review) -> list[Theme]:
    themes = _EARLIER_THEMES.all(
        organization_id=review.organization_id,
        team_id=review.team_id,
        review_id=review.pk,
        before=review.created_at,
    )
    actions = Prefetch(
        "actions",
        queryset=Action.objects.filter(organization_id=review.organization_id).order_by(
            "created_at", "id"
        ),
    )
    prefetch_related_objects(themes, actions)
    return themes


def similar_earlier_themes(*, theme: Theme, limit: int = 1) -> list[EarlierTheme]:
    """Earlier themes of the same team that ``theme`` looks like, best first.

    Belongs in the board's *Group* phase, under each theme's title, drawn
    with ``reviews/_recurring_theme.html`` (context: ``earlier``, this
    list): "This looks like 'Deploy freeze confusion' from 12 March; its
    action was marked done and checked 'partly'." For all of a review's
    themes at once, without a query per theme, use
    :func:`similar_earlier_themes_for_review`.
    """
    return similar_earlier_themes_for_review(review=theme.review, limit=limit).get(theme.pk, [])


def similar_earlier_themes_for_review(
    *, review: Review, limit: int = 1, themes: list[Theme] | None = None
) -> dict[int, list[EarlierTheme]]:
    """For each theme of ``review``: the earlier themes it looks like (three queries).

    A caller that has read the review's themes already passes them as
    ``themes`` and saves one query.
    """
    if themes is None:
        themes = list(Theme.objects.filter(organization_id=review.organization_id, review=review))
    if not themes:
        return {}
    earlier = _earlier_themes(review)
    titles = [t.title for t in earlier]
    out: dict[int, list[EarlierTheme]] = {}
    for theme in themes:
        found = recurring.matches(theme.title, titles, limit=limit)
        out[theme.pk] = [
            EarlierTheme(
                theme=earlier[i],
                review=earlier[i].review,
                score=score,
                actions=list(earlier[i].actions.all()),
            )
            for i, score in found
        ]
    return out
