from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError
from django.core.management.commands.check import Command as DjangoCheckCommand

from marblejar.lib.deploycheck import run_checks


class Command(DjangoCheckCommand):
    help = (
        "Deployment self-check: secret key, debug off, HTTPS settings, database and Redis "
        "reachable, then Django's own system checks. Exits 1 if a critical check fails."
    )

    def add_arguments(self, parser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--django-only",
            action="store_true",
            help="Run only Django's system checks.",
        )

    def handle(self, *app_labels: Any, **options: Any) -> None:
        failed = False
        if not options["django_only"]:
            for result in run_checks():
                if result.ok:
                    mark, style = "ok  ", self.style.SUCCESS
                elif result.critical:
                    mark, style = "FAIL", self.style.ERROR
                else:
                    mark, style = "warn", self.style.WARNING
                self.stdout.write(style(f"[{mark}] {result.name}: {result.detail}"))
                failed = failed or (result.critical and not result.ok)
        super().handle(*app_labels, **options)
        if failed:
            raise CommandError("Some critical checks failed; see above.", returncode=1)
