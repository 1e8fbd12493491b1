from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand


def default_workers() -> int:
    """One process per core this process may run on (a container's limit included).

    Each process tails the events table and is woken by the others through
    Redis, PostgreSQL's LISTEN/NOTIFY or SQLite's change counter, so a live
    event reaches every stream whichever process serves it.
    """
    if configured := os.environ.get("MARBLEJAR_WORKERS"):
        return max(1, int(configured))
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class Command(BaseCommand):
    help = "Apply migrations, start the background task worker and serve Marblejar (uvicorn)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="Address to listen on.")
        parser.add_argument("--port", type=int, default=8000, help="Port to listen on.")
        parser.add_argument(
            "--no-worker",
            action="store_true",
            help="Do not start a task worker (run `marblejar worker` separately).",
        )
        parser.add_argument(
            "--no-migrate", action="store_true", help="Do not apply migrations first."
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help="Number of web processes (default: MARBLEJAR_WORKERS, or one per CPU core).",
        )

    def collect_static(self) -> None:
        """Hashed, compressed copies of the static files in the data folder, made
        when the files changed; the web processes then serve those (see
        marblejar/lib/staticfiles.py)."""
        from django.conf import settings

        from marblejar.lib import staticfiles

        if settings.DEBUG:
            return  # files straight from the package, re-read as they are edited
        staticfiles.collect_if_changed(Path(settings.STATIC_COLLECT_ROOT))
        os.environ[staticfiles.SERVED_COLLECTED] = "1"  # for processes started from here
        staticfiles.configure(settings, collected=True)  # and for this one

    def handle(self, *args: Any, **options: Any) -> None:
        import uvicorn

        if not options["no_migrate"]:
            call_command("migrate", interactive=False, verbosity=0)
        call_command("prune_events", verbosity=0)
        self.collect_static()
        worker = None
        if not options["no_worker"]:
            worker = subprocess.Popen([sys.executable, "-m", "marblejar", "worker"])  # noqa: S603
        host, port = options["host"], options["port"]
        self.stdout.write(f"Marblejar is serving on http://{host}:{port}/ (Ctrl+C to stop)")
        try:
            uvicorn.run(
                "marblejar.asgi:application",
                host=host,
                port=port,
                workers=options["workers"] or default_workers(),
                log_level="warning",
                lifespan="off",
                timeout_graceful_shutdown=3,
            )
        finally:
            if worker is not None:
                worker.send_signal(signal.SIGTERM)
                try:
                    worker.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    worker.kill()
