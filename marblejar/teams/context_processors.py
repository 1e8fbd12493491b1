from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject


def teams(request: HttpRequest) -> dict[str, Any]:
    """The signed-in person's teams for the team switcher, fetched only if shown."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"my_teams": []}

    def load() -> list:
        from marblejar.teams.selectors import my_team_list

        return list(my_team_list(user=user))

    return {"my_teams": SimpleLazyObject(load)}
