from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from types import FrameType
from typing import Any

from django.conf import settings
from django.core import checks
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connections

from marblejar.cli import SERVE_HOST, SERVE_PORT


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


def migrations_pending() -> bool:
    """Whether a migration file of an installed app is not recorded as applied.

    Listing the migration files (without importing them) and one query take a
    few milliseconds; `migrate` loads and links every migration first, about a
    second of every start even when there is nothing to apply. A file not yet
    recorded, or no record table, sends the start through `migrate`.
    """
    import pkgutil
    from importlib.util import find_spec

    from django.apps import apps
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader
    from django.db.migrations.recorder import MigrationRecorder

    on_disk = set()
    for config in apps.get_app_configs():
        module_name, _explicit = MigrationLoader.migrations_module(config.label)
        if module_name is None:
            continue
        try:
            spec = find_spec(module_name)
        except ModuleNotFoundError:
            continue
        if spec is None or not spec.submodule_search_locations:
            continue
        for info in pkgutil.iter_modules(spec.submodule_search_locations):
            # Names Django's loader skips too.
            if not info.ispkg and info.name[0] not in "_~":
                on_disk.add((config.label, info.name))
    recorder = MigrationRecorder(connection)
    if not recorder.has_table():
        return True
    return not on_disk <= set(recorder.applied_migrations())


class Command(BaseCommand):
    help = "Apply migrations, start the background task worker and serve Marblejar (uvicorn)."
    # Checked in handle(): every system check but the URL configuration's, which
    # would build the API's schemas (see marblejar/urls.py) in the serving
    # process before its first answer; `marblejar check` and the tests run it.
    requires_system_checks: list[str] = []

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
        parser.add_argument("--skip-checks", action="store_true", help="Skip system checks.")
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
        from marblejar.lib import staticfiles

        if settings.DEBUG:
            return  # files straight from the package, re-read as they are edited
        staticfiles.collect_if_changed(Path(settings.STATIC_COLLECT_ROOT))
        os.environ[staticfiles.SERVED_COLLECTED] = "1"  # for processes started from here
        staticfiles.configure(settings, collected=True)  # and for this one

    def handle(self, *args: Any, **options: Any) -> None:
        import uvicorn

        if not options["skip_checks"]:
            self.check(tags=sorted(checks.registry.registry.tags_available() - {checks.Tags.urls}))
        if not options["no_migrate"] and migrations_pending():
            call_command("migrate", interactive=False, verbosity=0)
        call_command("prune_events", verbosity=0)
        self.collect_static()
        # The checks above took a connection on this thread; with one web
        # process, served from this one, it would stay out of PostgreSQL's
        # pool (or open) for the life of the process.
        connections.close_all()
        # uvicorn shuts down on SIGTERM, then raises the signal again with the
        # handler it found in place. With the default one the process would
        # die there, before the worker is stopped; this one lets the clean-up
        # in `finally` run (and covers a SIGTERM before uvicorn starts).
        signal.signal(signal.SIGTERM, _exit_quietly)
        host, port = options["host"], options["port"]
        # Forwarded headers are believed only from the proxies the operator
        # names; uvicorn's own default would trust loopback, which lets any
        # local client (or a proxy that passes the header through) choose the
        # address the log-in throttle sees.
        proxies = settings.TRUSTED_PROXIES
        workers = options["workers"] or default_workers()
        # `marblejar serve` names the folder (and removes it) in marblejar/cli.py;
        # started another way, serve makes its own.
        metrics_dir = None
        if workers > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            # Each web process writes its counters here and /metrics adds
            # them up (prometheus-client's multi-process mode).
            metrics_dir = tempfile.mkdtemp(prefix="marblejar-metrics-")
            os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
        worker = None
        try:
            if workers == 1:
                load_site()  # this process serves
            else:
                load_once_for_every_process()
            # Started once the site is loaded: its own start (about a second
            # of CPU) would otherwise take a core from the loading, and nothing
            # waits for it before the first page.
            if not options["no_worker"]:
                worker = subprocess.Popen([sys.executable, "-m", "marblejar", "worker"])  # noqa: S603
            self.stdout.write(f"Marblejar is serving on http://{host}:{port}/ (Ctrl+C to stop)")
            self.stdout.write(f"Links in invitations and e-mails point to {settings.SITE_URL}/")
            uvicorn.run(
                "marblejar.asgi:application",
                host=host,
                port=port,
                proxy_headers=bool(proxies),
                forwarded_allow_ips=",".join(proxies) or None,
                workers=workers,
                # Pages and server-sent events only (lib/handler.py refuses
                # anything but HTTP): no WebSocket library to load.
                ws="none",
                log_level="warning",
                lifespan="off",
                timeout_graceful_shutdown=3,
            )
        finally:
            if worker is not None:
                _stop(worker)
            if metrics_dir is not None:
                shutil.rmtree(metrics_dir, ignore_errors=True)


def load_site() -> None:
    """Import what a web process needs before its first answer."""
    from importlib import import_module

    # What uvicorn imports in each web process: the HTTP parser and the event
    # loop (httptools and uvloop where installed).
    import uvicorn.protocols.http.auto  # noqa: F401
    from uvicorn.loops.auto import auto_loop_factory

    import marblejar.asgi  # noqa: F401  (the whole site, with its middleware)

    auto_loop_factory()
    import_module(settings.ROOT_URLCONF)  # and its pages (the API stays for its first request)


def load_once_for_every_process() -> bool:
    """Load the site here and fork the web processes from this one.

    uvicorn starts each web process afresh ("spawn"), and each then imports
    Django, the apps and the site (about a second of CPU): on two cores two
    processes took 2 s to answer where one took 1 s. Loaded here once,
    forked processes answer as soon as one process would, and share the
    loaded code's memory. Falls back to uvicorn's own start where forking is
    not possible, or where the counters would not be added up across
    processes (prometheus-client loaded before the metrics folder was named).
    """
    import multiprocessing
    import threading

    try:
        from prometheus_client import values
        from uvicorn import _subprocess
    except ImportError:
        return False
    if (
        "fork" not in multiprocessing.get_all_start_methods()
        or not hasattr(_subprocess, "spawn")
        or values.ValueClass is values.MutexValue
    ):
        return False
    from django.core.cache import caches
    from django.db import connections

    load_site()
    # Nothing open may be shared by the processes forked from here: not a
    # connection, and not PostgreSQL's pool (its connections and threads).
    connections.close_all()
    for connection in connections.all(initialized_only=True):
        if hasattr(connection, "close_pool"):
            connection.close_pool()
    caches.close_all()
    if threading.active_count() > 1:
        return False  # a thread here would be missing, half-way, in every fork
    _subprocess.spawn = multiprocessing.get_context("fork")
    return True


def _exit_quietly(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(0)


def _stop(worker: subprocess.Popen) -> None:
    """Ask the worker to finish its task; after a few seconds, end it."""
    if worker.poll() is not None:
        return
    worker.send_signal(signal.SIGTERM)
    try:
        worker.wait(timeout=5)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()
