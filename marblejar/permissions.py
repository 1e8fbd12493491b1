"""Who may do what: the one place that answers "may this user do this to this object".

Every view, API endpoint and service asks :func:`can` or :func:`require`; none
re-implements a check. The rules themselves live with their feature, in each
app's ``rules.py`` (``marblejar/teams/rules.py``, ``marblejar/reviews/rules.py``,
...), registered by action name with :func:`rule` when the app is ready, so
that the permission-matrix test can enumerate them. This module keeps what
every rule shares: the registry, :func:`can` and :func:`require`, and the
per-request cache of a person's role in a team.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from marblejar.accounts.models import Organization
from marblejar.lib.prepared import PreparedRead
from marblejar.teams.models import Membership, Role, Team

Rule = Callable[[Any, Any], bool]
RULES: dict[str, Rule] = {}
# The actions whose rules consider guests (people who joined one review by
# its guest link). For every other action a guest is refused before the rule
# is asked, so that a rule written for members can never let a guest in by
# accident (``org.view``, an organization-wide reflection, ...).
GUEST_ACTIONS: set[str] = set()


class UnknownAction(LookupError):
    """Asked about an action no app registered a rule for (a typo, or a missing ``rules.py``)."""


def rule(action: str, *, guests: bool = False) -> Callable[[Rule], Rule]:
    """Register the decorated function as the rule for ``action`` (once per action).

    ``guests=True``: the rule decides for guests of a review too (see
    :data:`GUEST_ACTIONS`).
    """

    def register(func: Rule) -> Rule:
        registered = RULES.get(action)
        if registered is not None and (registered.__module__, registered.__qualname__) != (
            func.__module__,
            func.__qualname__,
        ):
            raise ValueError(f"Two rules for {action!r}: {registered!r} and {func!r}")
        RULES[action] = func
        if guests:
            GUEST_ACTIONS.add(action)
        return func

    return register


def can(user: Any, action: str, obj: Any = None) -> bool:
    """True if ``user`` may perform ``action`` on ``obj``.

    Anonymous and inactive users may do nothing; objects of another
    organization are never reachable, whatever the rule says. An action with
    no rule raises :class:`UnknownAction`, whoever asks: a misspelt action
    must fail loudly, not answer "no" to anonymous visitors and crash later.
    """
    try:
        check = RULES[action]
    except KeyError:
        raise UnknownAction(action) from None
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.organization_id is None:
        return False
    org_id = organization_id_of(obj)
    if org_id is not None and org_id != user.organization_id:
        return False
    if getattr(user, "is_guest", False) and action not in GUEST_ACTIONS:
        return False
    return check(user, obj)


def require(user: Any, action: str, obj: Any = None) -> None:
    if not can(user, action, obj):
        raise PermissionDenied(_("You do not have permission to do that."))


def organization_id_of(obj: Any) -> int | None:
    if obj is None:
        return None
    if isinstance(obj, Organization):
        return obj.pk
    return getattr(obj, "organization_id", None)


def role_in(user: Any, team: Team) -> str | None:
    """The user's role in ``team``, cached on the user object for the request."""
    cache: dict[int, str | None] = user.__dict__.setdefault("_team_roles", {})
    if team.pk not in cache:
        found = _ROLE.rows(team_id=team.pk, user_id=user.pk)
        cache[team.pk] = found[0][0] if found else None
    return cache[team.pk]


# Asked on most pages: compiled once per connection.
_ROLE = PreparedRead(
    "team_role",
    lambda team_id, user_id: (
        Membership.objects.filter(team_id=team_id, user_id=user_id)
        .order_by("pk")
        .values_list("role")[:1]
    ),
    team_id=-1001,
    user_id=-2001,
)


def remember_role(user: Any, team: Team, role: str | None) -> None:
    """Record ``user``'s role in ``team``, read along with something else, for the request."""
    user.__dict__.setdefault("_team_roles", {})[team.pk] = role


def is_member(user: Any, team: Team) -> bool:
    return role_in(user, team) is not None


def is_lead(user: Any, team: Team) -> bool:
    return role_in(user, team) == Role.LEAD
