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
    ("ines@demo.marblejar.org", "Ines Duarte", "platform", Role.MEMBER),
    ("jonas@demo.marblejar.org", "Jonas Weber", "platform", Role.MEMBER),
    ("eva@demo.marblejar.org", "Eva Lindqvist", "product", Role.LEAD),
    ("femi@demo.marblejar.org", "Femi Adeyemi", "product", Role.MEMBER),
    ("gus@demo.marblejar.org", "Gus Romero", "product", Role.MEMBER),
    ("hana@demo.marblejar.org", "Hana Kim", "product", Role.MEMBER),
]
TEAMS = {
    "platform": ("Platform", "Runs the infrastructure and the deploy pipeline."),
    "product": ("Product", "Builds the customer-facing app."),
}


# (author, team, kind, title, texts, [(responder, reaction, comment)])
STORIES = [
    (
        "ada",
        "platform",
        "mistake",
        "I rolled out the new TLS config to every region at once",
        {
            "what_happened": "On Tuesday I pushed the new TLS configuration to all regions in "
            "one go. The EU load balancers rejected older clients for 25 minutes.",
            "correction": "I rolled back at 14:40, wrote to support with the timeline, and "
            "added a canary region to the rollout script.",
            "learned": "Our rollout tool makes 'all regions' the easiest choice. I trusted "
            "the staging test more than it deserved: staging has no old clients.",
            "next_try": "Roll out region by region, watching the handshake error rate.",
        },
        [
            ("ben", "thanks", ""),
            (
                "chloe",
                "learned",
                "Thank you for writing this up so "
                "openly. I had no idea staging had no old clients either.",
            ),
        ],
    ),
    (
        "dev",
        "platform",
        "learning",
        "Reading flame graphs",
        {
            "skill": "Reading flame graphs",
            "body": "I am practising reading flame graphs "
            "during incidents. I am still slow at it and often look at the wrong stack.",
        },
        [("ada", "help", "Happy to pair on the next profiling session if you like.")],
    ),
    (
        "eva",
        "product",
        "lesson",
        "We shipped the onboarding survey without asking support",
        {
            "body": "Support had seen the same confusion for months. Next time I will ask "
            "them first: they hear our users every day."
        },
        [("hana", "me_too", ""), ("gus", "thanks", "")],
    ),
    (
        "femi",
        "product",
        "help",
        "Can someone walk me through the release checklist?",
        {
            "body": "I have never done a release on my own and I am nervous about the "
            "database migration step."
        },
        [("eva", "help", "Yes! Let's do Thursday's release together.")],
    ),
]


class Command(BaseCommand):
    help = (
        "Seed a demo organization: two teams, ten people, a lead in each, and six months "
        "of pulses, reflections, marbles, reviews and actions. "
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
        self.seed_stories(organization, teams)
        self.seed_pulses(organization, teams)
        self.seed_history(teams)
        self.seed_integrations(teams)
        self.stdout.write(self.style.SUCCESS("Seeded the demo organization."))
        self.print_logins()

    def seed_stories(self, organization: Organization, teams: dict[str, Team]) -> None:
        """A few reflections met with respect, so the jars are not empty.

        Goes through the same services as the app, so marbles drop the way
        they do for real: on the first respectful response from a teammate.
        """
        from marblejar.jar.services import marble_drop_by_hand
        from marblejar.reflections.services import comment_create, reaction_add, reflection_create

        people = {u.email.split("@")[0]: u for u in User.objects.filter(organization=organization)}
        for author, team, kind, title, texts, responses in STORIES:
            reflection = reflection_create(
                author=people[author],
                team=teams[team],
                kind=kind,
                title=title,
                publish=True,
                **texts,
            )
            for responder, reaction, comment in responses:
                if reaction:
                    reaction_add(user=people[responder], reflection=reflection, kind=reaction)
                if comment:
                    comment_create(author=people[responder], reflection=reflection, body=comment)
        marble_drop_by_hand(
            actor=people["femi"],
            team=teams["product"],
            description="Gus said in stand-up he was stuck on the billing export and asked for "
            "help; Hana paired with him for an hour.",
            named_user=people["gus"],
        )

    def seed_pulses(self, organization: Organization, teams: dict[str, Team]) -> None:
        """Platform's monthly psychological-safety pulses, through the pulse services."""
        from django.utils import timezone

        from marblejar.pulse.demo import seed

        people = {u.email.split("@")[0]: u for u in User.objects.filter(organization=organization)}
        seed(team=teams["platform"], people=people, now=timezone.now())

    def seed_history(self, teams: dict[str, Team]) -> None:
        """Six months of reflections, marbles, reviews and actions (see demo_history.py)."""
        from datetime import timedelta

        from django.utils import timezone

        from marblejar.accounts.demo_history import seed_history
        from marblejar.jar.models import Marble
        from marblejar.reflections.models import Reflection

        now = timezone.now()
        # The first stories happened at the start of the six months: Ada went
        # first in June, as her first pulse response promised.
        for title, ago in ((STORIES[0][3], 160), (STORIES[1][3], 110)):
            at = now - timedelta(days=ago)
            reflection = Reflection.objects.get(title=title, team=teams[STORIES[0][1]])
            Reflection.objects.filter(pk=reflection.pk).update(
                created_at=at, updated_at=at, published_at=at
            )
            Marble.objects.filter(reflection=reflection).update(created_at=at + timedelta(hours=4))
        seed_history(teams=teams, now=now)

    def seed_integrations(self, teams: dict[str, Team]) -> None:
        """Platform's Slack and Teams channels, paused at placeholder addresses."""
        from marblejar.integrations.demo import seed

        lead = User.objects.get(email=PEOPLE[0][0])
        seed(team=teams["platform"], lead=lead)

    def print_logins(self) -> None:
        self.stdout.write(f"Log in with any of these (password: {DEMO_PASSWORD}):")
        for i, (email, name, slug, role) in enumerate(PEOPLE):
            extra = ", organization admin" if i == 0 else ""
            self.stdout.write(f"  {email:28} {name:16} {TEAMS[slug][0]} {role}{extra}")
