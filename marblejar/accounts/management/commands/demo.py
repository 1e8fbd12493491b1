from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from marblejar.accounts.models import Organization, User
from marblejar.teams.models import Membership, Role, Team

DEMO_PASSWORD = "marblejar-demo"
DEMO_ORG = "Demo Organization"
# (e-mail, name, team slug, role). Ada is also the organization admin.
PEOPLE = [
    ("ada@demo.marblejar.org", "Ada Okafor", "platform", Role.LEAD),
    ("ben@demo.marblejar.org", "Ben Ito", "platform", Role.MEMBER),
    ("chloe@demo.marblejar.org", "Chloé Martin", "platform", Role.MEMBER),
    ("dev@demo.marblejar.org", "Dev Patel", "platform", Role.MEMBER),
    ("eva@demo.marblejar.org", "Eva Lindqvist", "product", Role.LEAD),
    ("femi@demo.marblejar.org", "Femi Adeyemi", "product", Role.MEMBER),
    ("gus@demo.marblejar.org", "Gus Romero", "product", Role.MEMBER),
    ("hana@demo.marblejar.org", "Hana Kim", "product", Role.MEMBER),
]
TEAMS = {
    "platform": ("Platform", "Runs the infrastructure and the deploy pipeline."),
    "product": ("Product", "Builds the customer-facing app."),
}


class Command(BaseCommand):
    help = (
        "Seed a demo organization: two teams, eight people, a lead in each. "
        f"Every demo account's password is '{DEMO_PASSWORD}'."
    )

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        if User.objects.filter(email=PEOPLE[0][0]).exists():
            self.stdout.write("The demo organization is already there.")
            self.print_logins()
            return
        organization = Organization.objects.create(name=DEMO_ORG)
        teams = {
            slug: Team.objects.create(
                organization=organization, name=name, slug=slug, description=description
            )
            for slug, (name, description) in TEAMS.items()
        }
        for i, (email, name, slug, role) in enumerate(PEOPLE):
            user = User.objects.create_user(
                email,
                DEMO_PASSWORD,
                display_name=name,
                organization=organization,
                is_org_admin=(i == 0),
            )
            Membership.objects.create(
                organization=organization, team=teams[slug], user=user, role=role
            )
        self.stdout.write(self.style.SUCCESS("Seeded the demo organization."))
        self.print_logins()

    def print_logins(self) -> None:
        self.stdout.write(f"Log in with any of these (password: {DEMO_PASSWORD}):")
        for i, (email, name, slug, role) in enumerate(PEOPLE):
            extra = ", organization admin" if i == 0 else ""
            self.stdout.write(f"  {email:28} {name:16} {TEAMS[slug][0]} {role}{extra}")
