"""Helpers for the teams tests."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from marblejar.accounts.models import Organization, User
from marblejar.teams.models import Membership, Role, Team


def add_members(team: Team, count: int, role: str = Role.MEMBER) -> list[User]:
    """``count`` more people in ``team`` (unusable passwords: nobody logs in as them)."""
    start = Membership.objects.filter(team=team).count()
    users = User.objects.bulk_create(
        User(
            email=f"person{start + i}.{team.pk}@acme.test",
            display_name=f"Person {start + i}",
            organization_id=team.organization_id,
            password="!",
        )
        for i in range(count)
    )
    Membership.objects.bulk_create(
        Membership(organization_id=team.organization_id, team=team, user=u, role=role)
        for u in users
    )
    return users


def add_teams(organization: Organization, user: User, count: int) -> None:
    start = Team.objects.filter(organization=organization).count()
    teams = Team.objects.bulk_create(
        Team(organization=organization, name=f"Team {i:03}", slug=f"team-{i:03}")
        for i in range(start, start + count)
    )
    Membership.objects.bulk_create(
        Membership(organization=organization, team=t, user=user, role=Role.MEMBER) for t in teams
    )


def count_queries(func) -> int:
    with CaptureQueriesContext(connection) as ctx:
        func()
    return len(ctx.captured_queries)
