from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from marblejar.lib.backup import BackupError, backup
from marblejar.lib.secret import key_path


class Command(BaseCommand):
    help = (
        "Write a consistent copy of the database to PATH while the app runs "
        "(SQLite's online backup; pg_dump on PostgreSQL), checked before it is kept."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", type=Path, help="The file to write (replaced when complete).")

    def handle(self, *args: Any, path: Path, **options: Any) -> None:
        try:
            done = backup(path)
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"Backed up the {done.engine} database to {done.path} ({done.size:,} bytes)."
        )
        if settings.KEY_DIR is None:
            where = "MARBLEJAR_SECRET_KEY, which this installation reads from its environment"
        else:
            where = str(key_path(key_dir=settings.KEY_DIR, data_dir=settings.DATA_DIR))
        self.stdout.write(
            "Sealed answers need this installation's key too: back it up separately "
            f"and keep it apart from this file. The key: {where}"
        )
