from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from marblejar.lib.backup import BackupError, restore


class Command(BaseCommand):
    help = (
        "Replace the database's contents by a backup made with `marblejar backup`, "
        "then apply any newer migrations."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", type=Path, help="A file written by `marblejar backup`.")
        parser.add_argument(
            "--yes", action="store_true", help="Do not ask before replacing the current data."
        )
        parser.add_argument(
            "--no-input",
            action="store_false",
            dest="interactive",
            help="Never ask (without --yes, nothing is restored).",
        )

    def handle(self, *args: Any, path: Path, yes: bool, interactive: bool, **options: Any) -> None:
        if not yes:
            if not interactive or not self.stdin_isatty():
                raise CommandError("Restoring replaces all current data: add --yes to go ahead.")
            answer = input("Restoring replaces all current data. Type 'yes' to go ahead: ")
            if answer.strip().lower() != "yes":
                raise CommandError("Nothing was changed.")
        try:
            done = restore(path)
        except BackupError as error:
            raise CommandError(str(error)) from None
        # A backup from an older version comes up to date.
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write(f"Restored the {done.engine} database from {done.path}.")

    @staticmethod
    def stdin_isatty() -> bool:
        import sys

        return sys.stdin.isatty()
