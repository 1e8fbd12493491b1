from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from marblejar.portability.importer import import_export, read_export
from marblejar.portability.management.commands.export import find_organization


class Command(BaseCommand):
    help = (
        "Import an export (JSON, or the zip `marblejar export` writes) into a new "
        "organization of this Marblejar, or one without teams (--into). People choose a "
        "new password with \u201cForgot your password?\u201d."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", type=Path, help="The export to read (.json or .zip).")
        parser.add_argument("--name", help="A name for the organization (default: the export's).")
        parser.add_argument(
            "--into",
            help="Import into this organization (name or id), which must have no teams yet; "
            "its people keep their accounts.",
        )

    def handle(
        self, *args: Any, path: Path, name: str | None, into: str | None, **options: Any
    ) -> None:
        target = find_organization(into) if into is not None else None
        try:
            data = read_export(path)
            org = import_export(data, name=name, into=target)
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
