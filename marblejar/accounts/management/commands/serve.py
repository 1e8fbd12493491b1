from __future__ import annotations

import signal
import subprocess
import sys
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from marblejar.cli import SERVE_HOST, SERVE_PORT


class Command(BaseCommand):
    help = "Apply migrations, start the background task worker and serve Marblejar (uvicorn)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--host", default=SERVE_HOST, help="Address to listen on.")
        parser.add_argument("--port", type=int, default=SERVE_PORT, help="Port to listen on.")
        parser.add_argument(
            "--no-worker",
            action="store_true",
            help="Do not start a task worker (run `marblejar worker` separately).",
        )
        parser.add_argument(
            "--no-migrate", action="store_true", help="Do not apply migrations first."
        )
        parser.add_argument(
            "--workers", type=int, default=1, help="Number of uvicorn worker processes."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        import uvicorn

        if not options["no_migrate"]:
            call_command("migrate", interactive=False, verbosity=0)
        call_command("prune_events", verbosity=0)
        worker = None
        if not options["no_worker"]:
            worker = subprocess.Popen([sys.executable, "-m", "marblejar", "worker"])  # noqa: S603
        host, port = options["host"], options["port"]
        self.stdout.write(f"Marblejar is serving on http://{host}:{port}/ (Ctrl+C to stop)")
        self.stdout.write(f"Links in invitations and e-mails point to {settings.SITE_URL}/")
        # Forwarded headers are believed only from the proxies the operator
        # names; uvicorn's own default would trust loopback, which lets any
        # local client (or a proxy that passes the header through) choose the
        # address the log-in throttle sees.
        proxies = settings.TRUSTED_PROXIES
        try:
            uvicorn.run(
                "marblejar.asgi:application",
                host=host,
                port=port,
                proxy_headers=bool(proxies),
                forwarded_allow_ips=",".join(proxies) or None,
                workers=options["workers"],
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
