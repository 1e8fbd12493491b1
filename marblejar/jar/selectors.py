"""Reads for the marble jar, always scoped to one team.

Everything here is about the team as a whole. There is deliberately no
function that counts marbles, reflections or reactions per person.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from django.db.models import Count, F, QuerySet
from django.db.models.functions import TruncMonth
from django.http import Http404
from django.utils import timezone

from marblejar.jar.models import Act, Crack, CrackInbox, Marble
from marblejar.teams.models import Team

MONTHS_SHOWN = 12


def _month_start(d: date, back: int = 0) -> date:
    index = d.year * 12 + d.month - 1 - back
    return date(index // 12, index % 12 + 1, 1)


def jar_state(*, team: Team) -> dict[str, Any]:
    """The jar as a whole, in plain values (it travels in live events).

    ``by_month`` lists the last twelve months, oldest first, including months
    without a marble, so that a quiet month shows as a quiet month.
    """
    marbles = Marble.objects.filter(team=team, organization_id=team.organization_id)
    total = marbles.count()
    today = timezone.localdate()
    first = _month_start(today, MONTHS_SHOWN - 1)
    counts = {
        row["month"].date() if hasattr(row["month"], "date") else row["month"]: row["n"]
        for row in marbles.filter(
            created_at__gte=timezone.make_aware(datetime.combine(first, time.min))
        )
        .annotate(month=TruncMonth("created_at"))
        .values("month")
        .annotate(n=Count("id"))
        .order_by()
    }
    by_month = [
        {"month": m.isoformat()[:7], "count": counts.get(m, 0)}
        for m in (_month_start(today, back) for back in range(MONTHS_SHOWN - 1, -1, -1))
    ]
    open_cracks = Crack.objects.filter(
        team=team, organization_id=team.organization_id, acknowledged_at__isnull=True
    ).count()
    return {"total": total, "by_month": by_month, "open_cracks": open_cracks}


def marble_history(*, team: Team) -> QuerySet[Marble]:
    return (
        Marble.objects.filter(team=team, organization_id=team.organization_id)
        .select_related("act_by", "response_by", "dropped_by", "reflection")
        .order_by("-created_at", "-id")
    )


def marble_get(*, user: Any, team: Team, marble_id: int) -> Marble:
    marble = (
        Marble.objects.filter(team=team, organization_id=user.organization_id, pk=marble_id)
        .select_related("team", "act_by", "dropped_by")
        .first()
    )
    if marble is None:
        raise Http404
    return marble


def marble_notices(*, user: Any, team: Team) -> list[Marble]:
    """Marbles dropped by hand that name ``user`` and that they have not looked at yet."""
    return list(
        Marble.objects.filter(
            team=team,
            organization_id=team.organization_id,
            act=Act.OFFLINE,
            act_by=user,
            named_seen_at__isnull=True,
        )
        .exclude(dropped_by=user)
        .select_related("dropped_by")
    )


def cracks_waiting_for_release() -> bool:
    """Whether a day that is over still has sealed reports (one indexed query)."""
    return CrackInbox.objects.filter(day__lt=timezone.localdate()).exists()


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
