"""Fixed personas for tests, in one place.

Platform team: ``lead`` (Lena), ``member`` (Max), ``member2`` (Mia).
Product team: ``other`` (Otto), a member of another team in the same organization.
``admin`` (Ada) is the organization admin and in no team. ``outsider`` (Olga)
belongs to a different organization altogether.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.hashers import get_hasher, make_password

from marblejar.accounts.models import Organization, User
from marblejar.teams.models import Membership, Role, Team

PASSWORD = "correct horse battery staple"
PERSONAS = ("admin", "lead", "member", "member2", "other", "outsider")


@dataclass
class Personas:
    org: Organization
    other_org: Organization
    team: Team
    other_team: Team
    admin: User
    lead: User
    member: User
    member2: User
    other: User
    outsider: User

    def get(self, name: str) -> User | None:
        return None if name == "anonymous" else getattr(self, name)

    def membership(self, user: User, team: Team | None = None) -> Membership:
        return Membership.objects.get(user=user, team=team or self.team)


def password_hash() -> str:
    # Argon2 is slow on purpose; hash the shared test password once per run,
    # and per hasher: some test folders switch to a fast one, and a hash made
    # by one hasher cannot be checked where only the other is configured.
    return _password_hash(get_hasher().algorithm)


@functools.cache
def _password_hash(algorithm: str) -> str:
    return make_password(PASSWORD, hasher=algorithm)


def _user(org: Organization, email: str, name: str, **extra: Any) -> User:
    return User.objects.create(
        email=email, password=password_hash(), display_name=name, organization=org, **extra
    )


def make_personas() -> Personas:
    org = Organization.objects.create(name="Acme")
    other_org = Organization.objects.create(name="Globex")
    team = Team.objects.create(organization=org, name="Platform", slug="platform")
    other_team = Team.objects.create(organization=org, name="Product", slug="product")
    admin = _user(org, "ada@acme.test", "Ada Admin", is_org_admin=True)
    lead = _user(org, "lena@acme.test", "Lena Lead")
    member = _user(org, "max@acme.test", "Max Member")
    member2 = _user(org, "mia@acme.test", "Mia Member")
    other = _user(org, "otto@acme.test", "Otto Other")
    outsider = _user(other_org, "olga@globex.test", "Olga Outsider", is_org_admin=True)
    for user, role in [(lead, Role.LEAD), (member, Role.MEMBER), (member2, Role.MEMBER)]:
        Membership.objects.create(organization=org, team=team, user=user, role=role)
    Membership.objects.create(organization=org, team=other_team, user=other, role=Role.LEAD)
    outsider_team = Team.objects.create(organization=other_org, name="Globex", slug="platform")
    Membership.objects.create(
        organization=other_org, team=outsider_team, user=outsider, role=Role.LEAD
    )
    return Personas(
        org=org,
        other_org=other_org,
        team=team,
        other_team=other_team,
        admin=admin,
        lead=lead,
        member=member,
        member2=member2,
        other=other,
        outsider=outsider,
    )
