from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from marblejar.accounts.models import User
from marblejar.accounts.services import token_create


class Command(BaseCommand):
    help = "Create a personal API token for EMAIL and print it (shown once)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("email")
        parser.add_argument("--name", default="script", help="What the token is for.")
        parser.add_argument("--read-only", action="store_true", help="Allow GET requests only.")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(email__iexact=options["email"], is_active=True).first()
        if user is None:
            raise CommandError(f"No active account for {options['email']}.")
        _token, raw = token_create(user=user, name=options["name"], read_only=options["read_only"])
        self.stdout.write(raw)
