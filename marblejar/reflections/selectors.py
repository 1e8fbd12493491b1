"""Reads for reflections, scoped to the reader's organization and team.

Counts here are per reflection or per team, never per person.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.db import connection
from django.db.models import (
    Count,
    Exists,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    StringAgg,
    Subquery,
    Value,
)
from django.http import Http404
from django.utils import timezone

from marblejar import permissions
from marblejar.accounts.models import User
from marblejar.lib.prepared import PreparedPages, PreparedRead
from marblejar.reflections.models import (
    Comment,
    Kind,
    PracticeEntry,
    Reaction,
    ReactionKind,
    Reflection,
    ReflectionTag,
    Status,
    Tag,
)
from marblejar.teams.models import Membership, Team

NUDGE_AFTER = timedelta(days=30)


def _feed(qs: QuerySet[Reflection]) -> QuerySet[Reflection]:
    return (
        qs.filter(status=Status.PUBLISHED, parent__isnull=True)
        .select_related("author", "team")
        .prefetch_related(Prefetch("tags", queryset=Tag.objects.order_by("name")))
        .order_by("-published_at", "-id")
    )


def _filter(qs: QuerySet[Reflection], *, kind: str = "", tag: str = "") -> QuerySet[Reflection]:
    if kind in Kind.values:
        qs = qs.filter(kind=kind)
    if tag:
        qs = qs.filter(tags__name=tag)
    return qs


def reflection_list_for_team(*, team: Team, kind: str = "", tag: str = "") -> QuerySet[Reflection]:
    """Published reflections of ``team``, newest first (updates appear under their learning)."""
    qs = Reflection.objects.filter(organization_id=team.organization_id, team=team)
    return _feed(_filter(qs, kind=kind, tag=tag))


def reflection_list_for_organization(
    *, user: Any, kind: str = "", tag: str = ""
) -> QuerySet[Reflection]:
    """Published reflections shared with the whole organization."""
    qs = Reflection.objects.filter(organization_id=user.organization_id, team__isnull=True)
    return _feed(_filter(qs, kind=kind, tag=tag))


# What a row of a list of reflections shows, in this order (see :func:`feed_rows`).
ROW_COLUMNS = ("pk", "kind", "by_lead", "team_id", "title", "author__display_name", "published_at")


def feed_rows(
    *, organization_id: int, team: Team | None, kind: str = "", tag: str = ""
) -> QuerySet[Any]:
    """A team's published reflections (or the organization-wide ones) as plain rows.

    The same reflections, in the same order, as :func:`reflection_list_for_team`
    and :func:`reflection_list_for_organization`; each row :data:`ROW_COLUMNS`.
    Their tags come from :func:`tags_of`.
    """
    qs = Reflection.objects.filter(organization_id=organization_id)
    qs = qs.filter(team=team) if team is not None else qs.filter(team__isnull=True)
    return (
        _filter(qs, kind=kind, tag=tag)
        .filter(status=Status.PUBLISHED, parent__isnull=True)
        .order_by("-published_at", "-id")
        .values_list(*ROW_COLUMNS)
    )


def tags_of(*, reflection_ids: list[int]) -> dict[int, list[str]]:
    """The tags of each reflection, by name (one query for a whole page)."""
    tags: dict[int, list[str]] = {pk: [] for pk in reflection_ids}
    pairs = (
        ReflectionTag.objects.filter(reflection_id__in=reflection_ids)
        .order_by("tag__name")
        .values_list("reflection_id", "tag__name")
    )
    for pk, name in pairs:
        tags[pk].append(name)
    return tags


def _feed_team(organization_id: int, team_id: int | None) -> Team | None:
    return None if team_id is None else Team(pk=team_id, organization_id=organization_id)


def _feed_page(
    organization_id: int, team_id: int | None = None, *, offset: int, size: int
) -> QuerySet[Any]:
    team = _feed_team(organization_id, team_id)
    return feed_rows(organization_id=organization_id, team=team)[offset : offset + size]


def _feed_page_tags(
    organization_id: int, team_id: int | None = None, *, offset: int, size: int
) -> QuerySet[Any]:
    team = _feed_team(organization_id, team_id)
    ids = feed_rows(organization_id=organization_id, team=team).values("pk")
    return (
        ReflectionTag.objects.filter(reflection_id__in=ids[offset : offset + size])
        .order_by("tag__name")
        .values_list("reflection_id", "tag__name")
    )


# A page of a list (a team's or the organization-wide one, not filtered),
# read in every visit: its rows and their tags compiled once per connection,
# for a team's list and for the organization's.
_FEED_PAGES = {
    False: PreparedPages("reflections_feed:team", _feed_page, organization_id=-1001, team_id=-2001),
    True: PreparedPages("reflections_feed:organization", _feed_page, organization_id=-1001),
}
_FEED_PAGE_TAGS = {
    False: PreparedPages(
        "reflections_feed_tags:team", _feed_page_tags, organization_id=-1001, team_id=-2001
    ),
    True: PreparedPages(
        "reflections_feed_tags:organization", _feed_page_tags, organization_id=-1001
    ),
}


def _feed_count(organization_id: int, team_id: int | None = None) -> QuerySet[Any]:
    team = _feed_team(organization_id, team_id)
    # Grouped by the organization (the one asked for): one row, or none.
    return (
        feed_rows(organization_id=organization_id, team=team)
        .order_by()
        .values("organization_id")
        .annotate(n=Count("pk"))
        .values_list("n")
    )


_FEED_COUNT = {
    False: PreparedRead(
        "reflections_feed_count:team", _feed_count, organization_id=-1001, team_id=-2001
    ),
    True: PreparedRead("reflections_feed_count:organization", _feed_count, organization_id=-1001),
}


def feed_count(*, organization_id: int, team: Team | None) -> int:
    """How many rows :func:`feed_rows` (not filtered) gives."""
    where = {"organization_id": organization_id}
    if team is not None:
        where["team_id"] = team.pk
    found = _FEED_COUNT[team is None].rows(**where)
    return found[0][0] if found else 0


def feed_page(
    *, organization_id: int, team: Team | None, offset: int, size: int
) -> tuple[list[tuple], dict[int, list[str]]]:
    """``feed_rows(...)[offset:offset + size]``, not filtered, and their tags as :func:`tags_of`."""
    where = {"organization_id": organization_id, "offset": offset, "size": size}
    if team is not None:
        where["team_id"] = team.pk
    rows = _FEED_PAGES[team is None].rows(**where)
    tags: dict[int, list[str]] = {row[0]: [] for row in rows}
    if rows:
        for pk, name in _FEED_PAGE_TAGS[team is None].rows(**where):
            if pk in tags:  # a reflection published between the two reads is left out
                tags[pk].append(name)
    return rows, tags


def reflection_list_visible(
    *, user: Any, team: Team | None = None, kind: str = "", tag: str = ""
) -> QuerySet[Reflection]:
    """What ``user`` may read: their teams' reflections and the organization-wide ones.

    An org admin reads every team's, as on the team pages. ``team`` narrows
    the list to one team.
    """
    qs = Reflection.objects.filter(organization_id=user.organization_id)
    if team is not None:
        qs = qs.filter(team=team)
    elif not user.is_org_admin:
        qs = qs.filter(Q(team__isnull=True) | Q(team__memberships__user=user))
    return _feed(_filter(qs, kind=kind, tag=tag)).distinct()


# The team page's panel, read in every visit of the page: compiled once per
# connection (lib/prepared.py), each the query of the function named.
PANEL_SIZE = 5
_TEAM_STAND_INS = {"organization_id": -1001, "team_id": -2001}


def _recent(organization_id: int, team_id: int) -> QuerySet[Any]:
    return feed_rows(
        organization_id=organization_id, team=Team(pk=team_id, organization_id=organization_id)
    )[:PANEL_SIZE]


_RECENT = PreparedRead("reflections_recent", _recent, **_TEAM_STAND_INS)
# Their tags, by name: the reflections' ids read again in the statement, so
# that it does not depend on how many there are.
_RECENT_TAGS = PreparedRead(
    "reflections_recent_tags",
    lambda organization_id, team_id: (
        ReflectionTag.objects.filter(
            reflection_id__in=Reflection.objects.filter(
                organization_id=organization_id,
                team=team_id,
                status=Status.PUBLISHED,
                parent__isnull=True,
            )
            .order_by("-published_at", "-id")
            .values("pk")[:PANEL_SIZE]
        )
        .order_by("tag__name")
        .values_list("reflection_id", "tag__name")
    ),
    **_TEAM_STAND_INS,
)
_DRAFTS = PreparedRead(
    "reflections_drafts",
    lambda organization_id, team_id, user_id: (
        Reflection.objects.filter(
            organization_id=organization_id, author=user_id, status=Status.DRAFT, team=team_id
        )
        .select_related("team")
        .order_by("-updated_at")[:PANEL_SIZE]
    ),
    **_TEAM_STAND_INS,
    user_id=-3001,
)
_LEADS_SHARED = PreparedRead(
    "reflections_leads_shared",
    lambda organization_id, team_id, since: Reflection.objects.filter(
        organization_id=organization_id,
        team=team_id,
        status=Status.PUBLISHED,
        by_lead=True,
        published_at__gte=since,
    ).values_list("published_at"),
    **_TEAM_STAND_INS,
    since=datetime(1901, 1, 1, tzinfo=UTC),
)
_LAST_SHARED = PreparedRead(
    "reflections_last_shared",
    lambda organization_id, team_id, user_id: (
        Reflection.objects.filter(
            organization_id=organization_id,
            author=user_id,
            status=Status.PUBLISHED,
            published_at__isnull=False,
        )
        .filter(Q(team=team_id) | Q(team__isnull=True))
        .order_by("-published_at")
        .values_list("published_at")[:1]
    ),
    **_TEAM_STAND_INS,
    user_id=-3001,
)


def recent_for_team_panel(*, team: Team) -> tuple[list[tuple], dict[int, list[str]]]:
    """The newest rows of :func:`feed_rows` for ``team``, and their tags as :func:`tags_of`."""
    rows = _RECENT.rows(organization_id=team.organization_id, team_id=team.pk)
    tags: dict[int, list[str]] = {row[0]: [] for row in rows}
    if not rows:  # no reflection yet: no tags to read
        return rows, tags
    for pk, name in _RECENT_TAGS.rows(organization_id=team.organization_id, team_id=team.pk):
        if pk in tags:  # a reflection published between the two reads is left out
            tags[pk].append(name)
    return rows, tags


def drafts_for_team_panel(*, user: Any, team: Team) -> list[Reflection]:
    """The newest of :func:`drafts_for` in ``team``."""
    return _DRAFTS.all(organization_id=team.organization_id, team_id=team.pk, user_id=user.pk)


def drafts_for(*, user: Any, team: Team | None = None) -> QuerySet[Reflection]:
    qs = Reflection.objects.filter(
        organization_id=user.organization_id, author=user, status=Status.DRAFT
    )
    if team is not None:
        qs = qs.filter(team=team)
    return qs.select_related("team").order_by("-updated_at")


def _drafts_in(organization_id: int, user_id: int, team_id: int | None = None) -> QuerySet[Any]:
    reader = User(pk=user_id, organization_id=organization_id)
    if team_id is None:
        return drafts_for(user=reader).filter(team__isnull=True)
    return drafts_for(user=reader, team=Team(pk=team_id, organization_id=organization_id))


_DRAFTS_IN = {
    False: PreparedRead(
        "reflections_drafts_in:team",
        _drafts_in,
        organization_id=-1001,
        user_id=-3001,
        team_id=-2001,
    ),
    True: PreparedRead(
        "reflections_drafts_in:organization", _drafts_in, organization_id=-1001, user_id=-3001
    ),
}


def drafts_in(*, user: Any, team: Team | None) -> list[Reflection]:
    """The reader's drafts for ``team``, or for the whole organization (``None``), newest first."""
    where = {"organization_id": user.organization_id, "user_id": user.pk}
    if team is not None:
        where["team_id"] = team.pk
    return _DRAFTS_IN[team is None].all(**where)


_TAG_SEPARATOR = "\x1f"  # no tag name holds it


def _reflection_read(*, organization_id: int, reflection_id: int) -> QuerySet[Reflection]:
    return Reflection.objects.filter(
        organization_id=organization_id, pk=reflection_id
    ).select_related("author", "team", "parent", "parent__author")


def _reflection_with_tag_names(*, organization_id: int, reflection_id: int) -> QuerySet[Reflection]:
    # In the database's order of names, as everywhere else; a SQLite before
    # 3.44 cannot order inside an aggregate, and orders names as Python does.
    ordered = connection.features.supports_aggregate_order_by_clause
    joined = StringAgg(
        "tag__name",
        delimiter=Value(_TAG_SEPARATOR),
        **({"order_by": "tag__name"} if ordered else {}),
    )
    names = (
        ReflectionTag.objects.filter(reflection=OuterRef("pk"))
        .order_by()
        .values("reflection")
        .annotate(names=joined)
        .values("names")
    )
    return _reflection_read(organization_id=organization_id, reflection_id=reflection_id).annotate(
        joined_tag_names=Subquery(names)
    )


# The reflection's page reads it in every request: compiled once per connection.
_REFLECTION_WITH_TAG_NAMES = PreparedRead(
    "reflection_with_tag_names",
    _reflection_with_tag_names,
    organization_id=-1001,
    reflection_id=-2001,
)


def reflection_get(
    *,
    user: Any,
    reflection_id: int,
    action: str = "reflection.view",
    tag_names: bool = False,
) -> Reflection:
    """The reflection, if ``user`` may see it and ``action`` it; 404 when they may not see it.

    Its tags come as ``reflection.tags.all()`` (a second query), or, with
    ``tag_names``, as ``reflection.tag_names``, their names in order, read
    with the reflection in one query.
    """
    where = {"organization_id": user.organization_id, "reflection_id": reflection_id}
    if tag_names:
        reflection = _REFLECTION_WITH_TAG_NAMES.first(**where)
    else:
        reflection = _reflection_read(**where).prefetch_related("tags").first()
    if reflection is not None and tag_names:
        found = (
            reflection.joined_tag_names.split(_TAG_SEPARATOR) if reflection.joined_tag_names else []
        )
        ordered = connection.features.supports_aggregate_order_by_clause
        reflection.tag_names = found if ordered else sorted(found)
    if reflection is None or not permissions.can(user, "reflection.view", reflection):
        raise Http404
    permissions.require(user, action, reflection)
    return reflection


def comment_get(*, user: Any, reflection: Reflection, comment_id: int) -> Comment:
    comment = (
        Comment.objects.filter(
            organization_id=user.organization_id, reflection=reflection, pk=comment_id
        )
        .select_related("author", "reflection")
        .first()
    )
    if comment is None:
        raise Http404
    return comment


def _comments(*, organization_id: int, reflection_id: int) -> QuerySet[Comment]:
    return (
        Comment.objects.filter(organization_id=organization_id, reflection_id=reflection_id)
        .select_related("author")
        .order_by("created_at", "id")
    )


# A reflection's page reads its comments, reactions, updates and practice in
# every request: each read compiled once per connection.
_COMMENTS_FOR_AUTHOR = PreparedRead(
    "reflection_comments_for_author", _comments, organization_id=-1001, reflection_id=-2001
)
_COMMENTS_FOR_READER = PreparedRead(
    "reflection_comments_for_reader",
    lambda organization_id, reflection_id, user_id: _comments(
        organization_id=organization_id, reflection_id=reflection_id
    ).filter(Q(hidden_at__isnull=True) | Q(author_id=user_id)),
    organization_id=-1001,
    reflection_id=-2001,
    user_id=-3001,
)


def comments_for(*, user: Any, reflection: Reflection) -> list[Comment]:
    """Comments the reader may see.

    A hidden comment stays visible to the reflection's author (who hid it)
    and to the comment's author.
    """
    where = {"organization_id": reflection.organization_id, "reflection_id": reflection.pk}
    if user.pk == reflection.author_id:
        found = _COMMENTS_FOR_AUTHOR.all(**where)
    else:
        found = _COMMENTS_FOR_READER.all(**where, user_id=user.pk)
    for comment in found:
        comment.reflection = reflection  # already loaded: no query per comment
    return found


_REACTION_COUNTS = PreparedRead(
    "reflection_reaction_counts",
    lambda reflection_id, user_id: (
        Reaction.objects.filter(reflection_id=reflection_id)
        .order_by()
        .values_list("kind")
        .annotate(n=Count("id"), mine=Count("id", filter=Q(user_id=user_id)))
    ),
    reflection_id=-2001,
    user_id=-3001,
)


def reaction_summary(*, user: Any, reflection: Reflection) -> list[dict[str, Any]]:
    """Each supportive reaction: how often this reflection got it, and if the reader gave it."""
    counts = {
        kind: (n, mine)
        for kind, n, mine in _REACTION_COUNTS.rows(reflection_id=reflection.pk, user_id=user.pk)
    }
    return [
        {
            "kind": kind.value,
            "label": str(kind.label),
            "count": counts[kind.value][0] if kind.value in counts else 0,
            "mine": kind.value in counts and counts[kind.value][1] > 0,
        }
        for kind in ReactionKind
    ]


def updates_for(*, reflection: Reflection) -> QuerySet[Reflection]:
    return _updates(organization_id=reflection.organization_id, reflection_id=reflection.pk)


def _updates(*, organization_id: int, reflection_id: int) -> QuerySet[Reflection]:
    return (
        Reflection.objects.filter(
            organization_id=organization_id,
            parent_id=reflection_id,
            status=Status.PUBLISHED,
        )
        .select_related("author", "team")
        .order_by("-published_at")
    )


_UPDATES = PreparedRead("reflection_updates", _updates, organization_id=-1001, reflection_id=-2001)
_PRACTICE = PreparedRead(
    "reflection_practice",
    lambda reflection_id: PracticeEntry.objects.filter(reflection_id=reflection_id),
    reflection_id=-2001,
)


def update_list(*, reflection: Reflection) -> list[Reflection]:
    """:func:`updates_for`, as a list, read by a query compiled once per connection."""
    return _UPDATES.all(organization_id=reflection.organization_id, reflection_id=reflection.pk)


def practice_list(*, reflection: Reflection) -> list[PracticeEntry]:
    """``reflection.practice.all()`` in its order, read by a query compiled once per connection."""
    found = _PRACTICE.all(reflection_id=reflection.pk)
    for entry in found:
        entry.reflection = reflection
    return found


def _tags_in_use(organization_id: int, team_id: int | None = None) -> QuerySet[Any]:
    # One EXISTS per tag of the organization, not a DISTINCT over every
    # tagged reflection: the cost stays with the number of tags as years of
    # reflections pile up.
    used = ReflectionTag.objects.filter(
        tag=OuterRef("pk"), reflection__status=Status.PUBLISHED
    ).filter(Q(reflection__team=team_id) if team_id else Q(reflection__team__isnull=True))
    qs = Tag.objects.filter(Exists(used), organization_id=organization_id)
    return qs.order_by("name").values_list("name")


# Read with every page of a list: compiled once per connection.
_TAGS_IN_USE = {
    False: PreparedRead(
        "reflections_tags_in_use:team", _tags_in_use, organization_id=-1001, team_id=-2001
    ),
    True: PreparedRead("reflections_tags_in_use:organization", _tags_in_use, organization_id=-1001),
}


def tags_in_use(*, organization_id: int, team: Team | None) -> list[str]:
    where = {"organization_id": organization_id}
    if team is not None:
        where["team_id"] = team.pk
    return [name for (name,) in _TAGS_IN_USE[team is None].rows(**where)]


# Leaders go first -----------------------------------------------------------


def quarter_start(today: date) -> date:
    return date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)


def leads_sharing(*, team: Team) -> dict[str, Any]:
    """How often the team's leads, together, shared this quarter.

    About the leads as a group: how many reflections and in how many
    different weeks; not who wrote them.
    """
    start = quarter_start(timezone.localdate())
    # Published since the quarter began (a moment, not a date cast: the feed
    # index answers it), by the leads: see _LEADS_SHARED.
    dates = [
        row[0]
        for row in _LEADS_SHARED.rows(
            organization_id=team.organization_id,
            team_id=team.pk,
            since=timezone.make_aware(datetime.combine(start, time.min)),
        )
    ]
    weeks = {timezone.localtime(d).isocalendar()[:2] for d in dates}
    weeks_so_far = (timezone.localdate() - start).days // 7 + 1
    return {
        "count": len(dates),
        "weeks": len(weeks),
        "weeks_so_far": weeks_so_far,
        "since": start,
        "last_at": max(dates) if dates else None,
    }


def lead_nudge(*, user: Any, team: Team) -> datetime | None:
    """For a lead who has not shared for 30 days: when they last did (or joined).

    Private: only ever shown to that lead, on their own page view.
    """
    if not permissions.is_lead(user, team):  # cached for the request: no query
        return None
    # Their newest published reflection in the team or the organization.
    newest = _LAST_SHARED.rows(
        organization_id=team.organization_id, team_id=team.pk, user_id=user.pk
    )
    last = newest[0][0] if newest else None
    since = last or (
        Membership.objects.filter(team=team, user=user).values_list("joined_at", flat=True).first()
    )
    if since is None or timezone.now() - since < NUDGE_AFTER:
        return None
    return since


# Personal data --------------------------------------------------------------


def reflections_export_for_user(user: Any) -> dict[str, Any]:
    """Everything the user wrote here, for the personal data export."""
    reflections = (
        Reflection.objects.filter(author=user)
        .select_related("team", "parent")
        .prefetch_related("tags", "practice")
        .order_by("created_at")
    )
    comments = Comment.objects.filter(author=user).select_related("reflection")
    reactions = Reaction.objects.filter(user=user).select_related("reflection")
    return {
        "reflections": [
            {
                "id": r.pk,
                "team": r.team.name if r.team else None,
                "kind": r.kind,
                "status": r.status,
                "title": r.title,
                "body": r.body,
                "what_happened": r.what_happened,
                "correction": r.correction,
                "learned": r.learned,
                "next_try": r.next_try,
                "skill": r.skill,
                "update_of": r.parent_id,
                "tags": [t.name for t in r.tags.all()],
                "created_at": r.created_at.isoformat(),
                "published_at": r.published_at.isoformat() if r.published_at else None,
                "practice": [
                    {"date": p.practised_on.isoformat(), "minutes": p.minutes, "hard": p.hard}
                    for p in r.practice.all()
                ],
            }
            for r in reflections
        ],
        "comments": [
            {
                "on": c.reflection.title,
                "body": c.body,
                "offers_help": c.offers_help,
                "created_at": c.created_at.isoformat(),
            }
            for c in comments
        ],
        "reactions": [
            {"on": r.reflection.title, "reaction": r.kind, "created_at": r.created_at.isoformat()}
            for r in reactions
        ],
    }


def reflection_marble(*, reflection: Reflection) -> Any:
    """The marble this reflection dropped into its team's jar, if it has met respect yet."""
    from marblejar.jar.models import Marble

    return (
        Marble.objects.filter(team_id=reflection.team_id, act_key=f"reflection:{reflection.pk}")
        .select_related("response_by")
        .first()
    )


def reflection_last_event_id(*, reflection: Reflection) -> int:
    """The newest live event of the reflection's page: where its stream starts."""
    from marblejar.realtime.models import Event

    return (
        Event.objects.filter(stream=f"reflection:{reflection.pk}")
        .order_by("-id")
        .values_list("id", flat=True)
        .first()
    ) or 0


def reflection_live_state(*, reflection: Reflection) -> tuple[bool, int]:
    """Whether the reflection dropped a marble, and its page's newest live event, in one query.

    The same answers as :func:`reflection_marble` (as a yes or no) and
    :func:`reflection_last_event_id`, each from its own index.
    """
    from marblejar.jar.models import Marble
    from marblejar.realtime.models import Event

    q = connection.ops.quote_name
    marble = "0"
    params: list[Any] = [f"reflection:{reflection.pk}"]
    if reflection.team_id is not None:
        marble = (
            f"EXISTS (SELECT 1 FROM {q(Marble._meta.db_table)} "  # noqa: S608
            f"WHERE {q('team_id')} = %s AND {q('act_key')} = %s)"
        )
        params += [reflection.team_id, f"reflection:{reflection.pk}"]
    sql = (
        f"SELECT (SELECT MAX({q('id')}) FROM {q(Event._meta.db_table)} "  # noqa: S608
        f"WHERE {q('stream')} = %s), {marble}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        last, dropped = cursor.fetchone()
    return bool(dropped), last or 0
