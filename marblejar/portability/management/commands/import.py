from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from marblejar.portability.importer import import_export, read_export


class Command(BaseCommand):
    help = (
        "Import an export (JSON, or the zip `marblejar export` writes) into a new "
        "organization of this Marblejar. People choose a new password with "
        "\u201cForgot your password?\u201d."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", type=Path, help="The export to read (.json or .zip).")
        parser.add_argument(
            "--name", help="A name for the new organization (default: the export's)."
        )

    def handle(self, *args: Any, path: Path, name: str | None, **options: Any) -> None:
        try:
            data = read_export(path)
            org = import_export(data, name=name)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        except (KeyError, TypeError, ValueError) as error:
            # Only reached without jsonschema installed, which checks the shape first.
            raise CommandError(f"This export is incomplete or damaged ({error!r}).") from None
        self.stdout.write(
            f"Imported {org.name!r} (id {org.pk}): {len(data['teams'])} team(s), "
            f"{len(data['people'])} people. They set a password with "
            "\u201cForgot your password?\u201d on the log-in page."
        )
