from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from marblejar.accounts.models import Organization
from marblejar.portability.export import export_organization, export_team, to_json, to_zip
from marblejar.teams.models import Team


def find_organization(name_or_id: str) -> Organization:
    orgs = Organization.objects.filter(name=name_or_id)
    if name_or_id.isdecimal():
        orgs = orgs | Organization.objects.filter(pk=int(name_or_id))
    found = list(orgs.distinct()[:2])
    if len(found) != 1:
        raise CommandError(
            f"No single organization is named {name_or_id!r}: give its name or its id "
            "(`marblejar shell -c` can list them)."
            if not found
            else f"Several organizations are named {name_or_id!r}: give its id instead."
        )
    return found[0]


class Command(BaseCommand):
    help = (
        "Export an organization or a team to PATH: JSON, or a zip of the JSON and CSV "
        "tables when PATH ends in .zip. Anonymous data stays anonymous "
        "(see docs/export-schema.md)."
    )

    def add_arguments(self, parser) -> None:
        scope = parser.add_mutually_exclusive_group(required=True)
        scope.add_argument("--organization", help="The organization's name or id.")
        scope.add_argument("--team", help="The team's short name (slug).")
        parser.add_argument(
            "--in",
            dest="within",
            help="With --team: the organization it belongs to, when several have that team.",
        )
        parser.add_argument("path", type=Path, help="The file to write (.json or .zip).")

    def handle(
        self,
        *args: Any,
        path: Path,
        organization: str | None,
        team: str | None,
        within: str | None,
        **options: Any,
    ) -> None:
        if organization is not None:
            data = export_organization(find_organization(organization))
        else:
            teams = Team.objects.filter(slug=team).select_related("organization")
            if within is not None:
                teams = teams.filter(organization=find_organization(within))
            found = list(teams[:2])
            if not found:
                raise CommandError(f"No team has the short name {team!r}.")
            if len(found) > 1:
                raise CommandError(
                    f"Several organizations have a team {team!r}: name one with --in."
                )
            data = export_team(found[0])
        content = to_zip(data) if path.suffix.lower() == ".zip" else to_json(data)
        try:
            path.write_bytes(content)
        except OSError as error:
            raise CommandError(f"Could not write {path}: {error.strerror}.") from None
        self.stdout.write(
            f"Exported {len(data['teams'])} team(s) and {len(data['people'])} people "
            f"to {path} ({len(content):,} bytes)."
        )
