from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject


def teams(request: HttpRequest) -> dict[str, Any]:
    """The signed-in person's teams and organization pages for the header, fetched only if shown."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"my_teams": [], "organization_menu": []}

    def load_menu() -> list:
        from marblejar.teams.navigation import organization_menu

        return organization_menu(user=user, path=request.path)

    return {
        # Kept on the person's row, which the session loads anyway: no query.
        "my_teams": getattr(user, "nav_teams", []),
        "organization_menu": SimpleLazyObject(load_menu),
    }
