from __future__ import annotations

import getpass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from marblejar.accounts.models import Organization, User


class Command(BaseCommand):
    help = (
        "Create an organization admin (and the organization, on a fresh install). "
        "The account can also use the Django admin at /admin/."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--email", help="E-mail address (asked if missing).")
        parser.add_argument("--name", help="Display name (asked if missing).")
        parser.add_argument("--organization", help="Organization name for a fresh install.")
        parser.add_argument(
            "--password",
            help="Password (asked if missing; prefer the prompt or MARBLEJAR_ADMIN_PASSWORD).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        import os

        email = options["email"] or input("E-mail: ").strip()
        name = options["name"] or input("Display name: ").strip()
        password = options["password"] or os.environ.get("MARBLEJAR_ADMIN_PASSWORD")
        if not password:
            password = getpass.getpass("Password: ")
        if not email or not name or not password:
            raise CommandError("E-mail, display name and password are all needed.")
        if User.objects.filter(email__iexact=email).exists():
            raise CommandError(f"There is already an account for {email}.")
        with transaction.atomic():
            organization = Organization.objects.order_by("pk").first()
            if organization is None:
                org_name = options["organization"] or input("Organization name: ").strip()
                if not org_name:
                    raise CommandError("Name the organization with --organization.")
                organization = Organization.objects.create(name=org_name)
            user = User(
                email=email.lower(),
                display_name=name,
                organization=organization,
                is_org_admin=True,
                is_staff=True,
                is_superuser=True,
            )
            from django.contrib.auth.password_validation import validate_password

            try:
                validate_password(password, user)
            except ValidationError as e:
                raise CommandError(" ".join(e.messages)) from None
            user.set_password(password)
            user.save()
        self.stdout.write(self.style.SUCCESS(f"Created admin {email} in {organization.name}."))
