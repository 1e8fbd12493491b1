from typing import Any

from django_tasks_db.management.commands.db_worker import Command as DatabaseWorkerCommand


class Command(DatabaseWorkerCommand):
    help = "Run the background task worker (reminders, e-mail). Takes db_worker's options."

    def handle(self, *args: Any, **options: Any) -> None:
        from marblejar.lib.periodic import ensure_scheduled

        # Nightly and weekly work (releasing cracks, digests) is always queued.
        ensure_scheduled()
        super().handle(*args, **options)
