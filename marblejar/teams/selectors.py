"""Reads for teams, always scoped to the reader's organization."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from django.db.models import CharField, Count, Exists, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Cast, Coalesce, Concat
from django.http import Http404
from django.utils import timezone

from marblejar import permissions
from marblejar.lib.prepared import PreparedRead
from marblejar.realtime.models import Event
from marblejar.teams.models import Invitation, Membership, Team

# What each feature finds overdue in a team (a pulse past its closing time, an
# asynchronous review past its open-until time): a name, and a function of the
# team (or an OuterRef to it) and the time that answers a QuerySet of what is
# due. Registered by the features' AppConfig.ready(); ``team_get(due=True)``
# reads them all as EXISTS with the team, so that a page's catch-ups cost no
# query of their own when nothing is due (see pulse_catch_up, review_catch_up).
DUE_CHECKS: dict[str, Callable[[Any, datetime], QuerySet[Any]]] = {}
# For a check whose query has constants besides the time (a setting, say):
# what they are, so that the compiled read of the team is compiled again
# when they change.
DUE_CHECK_KEYS: dict[str, Callable[[], Any]] = {}


def due_check(
    name: str,
    overdue: Callable[[Any, datetime], QuerySet[Any]],
    key: Callable[[], Any] | None = None,
) -> None:
    """Register ``overdue`` under ``name``: ``team_get(due=True)`` sets ``team.<name>``."""
    DUE_CHECKS[name] = overdue
    if key is not None:
        DUE_CHECK_KEYS[name] = key


def team_list_for_user(*, user: Any) -> QuerySet[Team]:
    """Teams the user belongs to; an org admin sees every team of the organization."""
    teams = Team.objects.filter(organization_id=user.organization_id)
    if not user.is_org_admin:
        # A subquery, not a join: joining memberships here would make the count
        # below see only the reader's own membership ("1 person").
        teams = teams.filter(pk__in=Membership.objects.filter(user=user).values("team_id"))
    return teams.annotate(member_count=Count("memberships", distinct=True)).order_by("name")


def my_team_list(*, user: Any) -> QuerySet[Team]:
    """Only the teams the user is a member of (for the team switcher)."""
    return Team.objects.filter(
        organization_id=user.organization_id, memberships__user=user
    ).order_by("name")


def team_get(
    *,
    user: Any,
    slug: str,
    action: str = "team.view",
    last_event: bool = False,
    size: bool = False,
    due: bool = False,
    annotate: Callable[[], dict[str, Any]] | None = None,
) -> Team:
    """The team with ``slug`` in the user's organization, if the user may ``action`` it.

    Raises Http404 for a team that does not exist *or* that the user may not
    see, so that team names do not leak across teams. With ``last_event``
    the team comes with ``last_event_id`` (its stream's newest event, where a
    page's live connection starts), with ``size`` with ``member_count``: in
    the same query; with ``due`` with a flag for each of DUE_CHECKS, so that
    the features' catch-ups know without a query whether anything is due;
    with ``annotate`` (a function that returns expressions: subqueries a page
    would otherwise send one by one, with ``OuterRef("pk")`` for the team),
    with those too.
    """
    team = _team_prepared(last_event=last_event, size=size, due=due, annotate=annotate).first(
        organization_id=user.organization_id,
        slug=slug,
        user_id=user.pk,
        now=timezone.now(),
    )
    if team is not None:
        permissions.remember_role(user, team, team.reader_role)
    if team is None or not permissions.can(user, "team.view", team):
        raise Http404
    permissions.require(user, action, team)
    return team


def _team_read(
    *,
    organization_id: int,
    slug: str,
    user_id: Any,
    now: datetime,
    last_event: bool,
    size: bool,
    due: bool,
) -> QuerySet[Team]:
    """The query of :func:`team_get`."""
    # The reader's role comes with the team (one query, not two): every
    # permission asked about this team during the request reads it.
    role = Membership.objects.filter(team=OuterRef("pk"), user=user_id).values("role")[:1]
    teams = Team.objects.filter(organization_id=organization_id, slug=slug).annotate(
        reader_role=Subquery(role)
    )
    if last_event:
        newest = (
            Event.objects.filter(stream=Concat(Value("team:"), Cast(OuterRef("pk"), CharField())))
            .order_by("-id")
            .values("id")[:1]
        )
        teams = teams.annotate(last_event_id=Coalesce(Subquery(newest), Value(0)))
    if size:
        members = (
            Membership.objects.filter(team=OuterRef("pk"))
            .order_by()
            .values("team")
            .annotate(n=Count("pk"))
            .values("n")
        )
        teams = teams.annotate(member_count=Coalesce(Subquery(members), Value(0)))
    if due:
        teams = teams.annotate(
            **{name: Exists(overdue(OuterRef("pk"), now)) for name, overdue in DUE_CHECKS.items()}
        )
    return teams


_TEAM_READS: dict[tuple[Any, ...], PreparedRead] = {}


def _team_prepared(
    *,
    last_event: bool,
    size: bool,
    due: bool,
    annotate: Callable[[], dict[str, Any]] | None = None,
) -> PreparedRead:
    """The team read of these options, compiled once per connection (see lib/prepared.py).

    Every page of a team reads it first, and the ORM spends far longer
    writing its SQL (the role, the stream's newest event, the due checks)
    than the database spends answering it. ``annotate``'s expressions must
    depend on nothing but the team (they are compiled once).
    """
    extra = f"{annotate.__module__}.{annotate.__qualname__}" if annotate else ""
    key: tuple[Any, ...] = (last_event, size, due, extra)
    if due:
        key += tuple(sorted((name, read()) for name, read in DUE_CHECK_KEYS.items()))

    def build(**values: Any) -> QuerySet[Team]:
        teams = _team_read(**values, last_event=last_event, size=size, due=due)
        return teams.annotate(**annotate()) if annotate else teams

    read = _TEAM_READS.get(key)
    if read is None:
        read = _TEAM_READS[key] = PreparedRead(
            "team_get:" + ":".join(map(str, key)),
            build,
            organization_id=-1001,
            slug="-stand-in-",
            user_id=-2001,
            now=datetime(1901, 1, 1, tzinfo=UTC),
        )
    return read


def team_people(*, team: Team) -> list[Membership]:
    """The team page's people: each membership with its person's name only."""
    return _PEOPLE.all(organization_id=team.organization_id, team_id=team.pk)


def team_members(*, team: Team) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(team=team, organization_id=team.organization_id)
        .select_related("user")
        .order_by("role", "user__display_name")  # leads first
    )


_PEOPLE = PreparedRead(
    "team_people",
    lambda organization_id, team_id: team_members(
        team=Team(pk=team_id, organization_id=organization_id)
    ).only("id", "team_id", "user_id", "role", "organization_id", "user__id", "user__display_name"),
    organization_id=-1001,
    team_id=-2001,
)


def membership_get(*, user: Any, team: Team, membership_id: int) -> Membership:
    membership = (
        Membership.objects.filter(team=team, organization_id=user.organization_id, pk=membership_id)
        .select_related("user", "team")
        .first()
    )
    if membership is None:
        raise Http404
    return membership


_INVITATIONS = PreparedRead(
    "team_pending_invitations",
    lambda organization_id, team_id: Invitation.objects.filter(
        team=team_id,
        organization_id=organization_id,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
    ).select_related("created_by"),
    organization_id=-1001,
    team_id=-2001,
)


def team_pending_invitations(*, team: Team) -> list[Invitation]:
    invitations = _INVITATIONS.all(organization_id=team.organization_id, team_id=team.pk)
    return [i for i in invitations if i.is_usable]


def invitation_get(*, user: Any, invitation_id: int) -> Invitation:
    invitation = (
        Invitation.objects.filter(organization_id=user.organization_id, pk=invitation_id)
        .select_related("team")
        .first()
    )
    if invitation is None or not permissions.can(user, "invitation.view", invitation):
        raise Http404
    return invitation


def team_last_event_id(*, team: Team) -> int:
    return (
        Event.objects.filter(stream=team_stream(team)).order_by("-id").values_list("id", flat=True)
    ).first() or 0


def team_stream(team: Team) -> str:
    return f"team:{team.pk}"
