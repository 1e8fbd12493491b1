"""Keeps the team switcher kept on each person's row in step with their teams.

The header's team switcher comes with the person's row (``User.nav_teams``),
which the session loads on every request anyway. Whatever changes the list,
on any path (the services, the admin site, a cascade when a team or an
organization is deleted), reads it again in the same transaction: a
membership made or deleted, a team renamed or given a new short name.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save


def nav_refresh(*, user_ids: Iterable[int]) -> None:
    """Read the named people's teams again onto their rows, for the header."""
    from marblejar.accounts.models import User
    from marblejar.teams.models import Membership

    ids = sorted(set(user_ids))
    if not ids:
        return
    # In the caller's transaction when there is one (a change made outside
    # any commits first; this follows in one of its own).
    with transaction.atomic():
        # Lock the rows first (in one order, so two changes cannot deadlock):
        # a concurrent change to the same person's teams then waits for this
        # one to commit and reads the teams after it, so neither is lost.
        list(User.objects.select_for_update().filter(pk__in=ids).values_list("pk", flat=True))
        teams: dict[int, list[dict[str, Any]]] = defaultdict(list)
        rows = (
            Membership.objects.filter(user_id__in=ids)
            .order_by("team__name", "team_id")
            .values_list("user_id", "team_id", "team__name", "team__slug")
        )
        for user_id, pk, name, slug in rows:
            teams[user_id].append({"pk": pk, "name": name, "slug": slug})
        for user_id in ids:
            User.objects.filter(pk=user_id).update(nav_teams=teams.get(user_id, []))


def _membership_saved(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    if created:
        nav_refresh(user_ids=[instance.user_id])


def _membership_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    nav_refresh(user_ids=[instance.user_id])


def _team_saved(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    if created:
        return  # nobody is in it yet
    from marblejar.teams.models import Membership

    members = Membership.objects.filter(team_id=instance.pk).values_list("user_id", flat=True)
    nav_refresh(user_ids=list(members))


def connect() -> None:
    from marblejar.teams.models import Membership, Team

    post_save.connect(_membership_saved, sender=Membership, dispatch_uid="teams-nav-m-save")
    post_delete.connect(_membership_deleted, sender=Membership, dispatch_uid="teams-nav-m-del")
    post_save.connect(_team_saved, sender=Team, dispatch_uid="teams-nav-team-save")
