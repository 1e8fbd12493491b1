"""Reads for the marble jar, always scoped to one team.

Everything here is about the team as a whole. There is deliberately no
function that counts marbles, reflections or reactions per person.
"""

from __future__ import annotations

import functools
from datetime import date, datetime, time
from typing import Any

from django.db import connection
from django.db.models import F, QuerySet
from django.http import Http404
from django.utils import timezone

from marblejar.jar.models import Act, Crack, CrackInbox, Marble
from marblejar.lib.prepared import PreparedRead
from marblejar.teams.models import Team

MONTHS_SHOWN = 12


def _month_start(d: date, back: int = 0) -> date:
    index = d.year * 12 + d.month - 1 - back
    return date(index // 12, index % 12 + 1, 1)


@functools.cache
def _jar_figures_sql() -> str:
    # Names from the models, every value a parameter.
    q = connection.ops.quote_name
    month = f"SUM(CASE WHEN {q('created_at')} >= %s AND {q('created_at')} < %s THEN 1 ELSE 0 END)"
    return (
        f"SELECT COUNT(*), {', '.join([f'COALESCE({month}, 0)'] * MONTHS_SHOWN)}, "  # noqa: S608
        f"(SELECT COUNT(*) FROM {q(Crack._meta.db_table)} WHERE {q('organization_id')} = %s "
        f"AND {q('team_id')} = %s AND {q('acknowledged_at')} IS NULL) "
        f"FROM {q(Marble._meta.db_table)} WHERE {q('organization_id')} = %s AND {q('team_id')} = %s"
    )


def _jar_figures(params: list[Any]) -> tuple[int, ...]:
    with connection.cursor() as cursor:
        cursor.execute(_jar_figures_sql(), params)
        return tuple(cursor.fetchone())


def jar_state(*, team: Team) -> dict[str, Any]:
    """The jar as a whole, in plain values (it travels in live events).

    ``by_month`` lists the last twelve months, oldest first, including months
    without a marble, so that a quiet month shows as a quiet month.
    """
    today = timezone.localdate()
    months = [_month_start(today, back) for back in range(MONTHS_SHOWN - 1, -1, -1)]
    # Month starts in the site's time zone, each month a range on the indexed
    # column. One statement, written once, counts the total, every month and
    # the open cracks: SQLite would otherwise call a Python function per
    # marble to truncate its date, and the ORM took longer to build the same
    # counts as filtered aggregates than the database took to answer them.
    starts = [
        connection.ops.adapt_datetimefield_value(timezone.make_aware(datetime.combine(m, time.min)))
        for m in [*months, _month_start(today, -1)]
    ]
    row = _jar_figures(
        [x for i in range(MONTHS_SHOWN) for x in (starts[i], starts[i + 1])]
        + [team.organization_id, team.pk, team.organization_id, team.pk]
    )
    total, counts, open_cracks = row[0], row[1:-1], row[-1]
    by_month = [
        {"month": m.isoformat()[:7], "count": int(n)} for m, n in zip(months, counts, strict=True)
    ]
    return {"total": total, "by_month": by_month, "open_cracks": open_cracks}


def marble_history(*, team: Team) -> QuerySet[Marble]:
    return (
        Marble.objects.filter(team=team, organization_id=team.organization_id)
        .select_related("act_by", "response_by", "dropped_by", "reflection")
        .order_by("-created_at", "-id")
    )


# What a row of the history shows, in this order (see :func:`marble_history_rows`).
HISTORY_COLUMNS = (
    "created_at",
    "act",
    "response",
    "description",
    "act_by__display_name",
    "response_by__display_name",
    "dropped_by_id",
    "dropped_by__display_name",
    "reflection_id",
    "reflection__title",
)


def marble_history_rows(*, team: Team) -> QuerySet[Any]:
    """The history as plain rows (:data:`HISTORY_COLUMNS`), newest first.

    The rows are everything a page of the history shows, so they are also
    the key of its rendered fragment.
    """
    return marble_history(team=team).values_list(*HISTORY_COLUMNS)


def marble_get(*, user: Any, team: Team, marble_id: int) -> Marble:
    marble = (
        Marble.objects.filter(team=team, organization_id=user.organization_id, pk=marble_id)
        .select_related("team", "act_by", "dropped_by")
        .first()
    )
    if marble is None:
        raise Http404
    return marble


# Read in every visit of the team page: compiled once per connection (lib/prepared.py).
_NOTICES = PreparedRead(
    "marble_notices",
    lambda organization_id, team_id, user_id: (
        Marble.objects.filter(
            team=team_id,
            organization_id=organization_id,
            act=Act.OFFLINE,
            act_by=user_id,
            named_seen_at__isnull=True,
        )
        .exclude(dropped_by=user_id)
        .select_related("dropped_by")
    ),
    organization_id=-1001,
    team_id=-2001,
    user_id=-3001,
)


def marble_notices(*, user: Any, team: Team) -> list[Marble]:
    """Marbles dropped by hand that name ``user`` and that they have not looked at yet."""
    return _NOTICES.all(organization_id=team.organization_id, team_id=team.pk, user_id=user.pk)


@functools.cache
def _inbox_due_sql() -> str:
    # Written once (the ORM built this EXISTS on every read of a page with cracks).
    q = connection.ops.quote_name
    day = CrackInbox._meta.get_field("day").column
    return f"SELECT 1 FROM {q(CrackInbox._meta.db_table)} WHERE {q(day)} < %s LIMIT 1"  # noqa: S608


def cracks_waiting_for_release() -> bool:
    """Whether a day that is over still has sealed reports (one indexed query)."""
    today = connection.ops.adapt_datefield_value(timezone.localdate())
    with connection.cursor() as cursor:
        cursor.execute(_inbox_due_sql(), [today])
        return cursor.fetchone() is not None


def crack_list(*, team: Team | None, organization_id: int) -> QuerySet[Crack]:
    """A team's cracks (or the organization-wide ones when ``team`` is None).

    Open ones first, newest day first; within a day by the random id, so
    the list never shows the order in which cracks were reported.
    """
    cracks = Crack.objects.filter(organization_id=organization_id, team=team)
    return cracks.select_related("acknowledged_by", "comment").order_by(
        F("acknowledged_at").asc(nulls_first=True), "-reported_on", "id"
    )


def open_crack_count(*, team: Team | None, organization_id: int) -> int:
    return Crack.objects.filter(
        organization_id=organization_id, team=team, acknowledged_at__isnull=True
    ).count()


def crack_get(*, user: Any, team: Team | None, crack_id: Any) -> Crack:
    crack = (
        Crack.objects.filter(organization_id=user.organization_id, team=team, pk=crack_id)
        .select_related("team", "acknowledged_by")
        .first()
    )
    if crack is None:
        raise Http404
    return crack


def jar_export_for_user(user: Any) -> dict[str, Any]:
    """For the personal data export: what the user wrote into jars by hand.

    Cracks are not here: nothing links a crack to its reporter, so nothing
    can export it for them.
    """
    marbles = Marble.objects.filter(dropped_by=user, act=Act.OFFLINE).select_related("team")
    return {
        "marbles_dropped_by_hand": [
            {
                "team": m.team.name,
                "description": m.description,
                "created_at": m.created_at.isoformat(),
            }
            for m in marbles
        ]
    }
