"""Shared fixtures: personas, logged-in clients, and a real Marblejar server."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest
from django.conf import settings
from django.test import Client

from marblejar.test import Personas, make_personas

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def redis_url_for_worker(url: str, worker: str, databases: str = "") -> str:
    """The Redis database of one pytest-xdist worker.

    Workers run side by side, each on its own test database, where ids repeat
    (both have a review 1): on one Redis database their cache keys would
    collide. Worker ``gwN`` takes the configured database number plus N, or
    the N-th number of ``databases`` ("10 15") when that lists them, for a
    Redis shared with others.
    """
    index = int(worker.removeprefix("gw"))
    parts = urlsplit(url)
    numbers = databases.replace(",", " ").split()
    if numbers:
        if index >= len(numbers):
            raise pytest.UsageError(
                f"MARBLEJAR_TEST_REDIS_DATABASES lists {len(numbers)} Redis databases, "
                f"too few for worker {worker}: list one per worker (-n)."
            )
        number = int(numbers[index])
    else:
        number = int(parts.path.strip("/") or 0) + index
    return urlunsplit(parts._replace(path=f"/{number}"))


# MARBLEJAR_REDIS_URL as given, before a worker took its own database.
CONFIGURED_REDIS_URL = settings.REDIS_URL


def _own_redis_database_per_worker() -> None:
    # Django's settings are read before this file; the cache connects lazily,
    # so pointing settings (and the environment of servers that tests start)
    # at the worker's database here comes before any use.
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker or not settings.REDIS_URL:
        return
    global CONFIGURED_REDIS_URL
    CONFIGURED_REDIS_URL = settings.REDIS_URL
    url = redis_url_for_worker(
        settings.REDIS_URL, worker, os.environ.get("MARBLEJAR_TEST_REDIS_DATABASES", "")
    )
    os.environ["MARBLEJAR_REDIS_URL"] = url
    settings.REDIS_URL = url
    if settings.CACHES["default"].get("LOCATION"):
        settings.CACHES["default"]["LOCATION"] = url


_own_redis_database_per_worker()


@pytest.fixture(autouse=True)
def _fresh_broker() -> Iterator[None]:
    from marblejar.lib.events import reset_broker

    reset_broker()
    yield
    reset_broker()


@pytest.fixture(autouse=True)
def _no_kept_fragments() -> Iterator[None]:
    """Each test starts without rendered fragments: ids rolled back with a test come back."""
    from django.core.cache import caches

    caches["fragments"].clear()
    yield


@pytest.fixture
def personas(db) -> Personas:
    return make_personas()


@pytest.fixture
def client_for(personas: Personas) -> Callable[[str], Client]:
    """A test client logged in as the named persona ("anonymous" for none)."""

    def make(name: str) -> Client:
        client = Client()
        user = personas.get(name)
        if user is not None:
            client.force_login(user)
        return client

    return make


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def database_url_for_subprocess() -> str:
    """The URL of the test database this pytest run created, for a server process."""
    from django.db import connection

    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    user = db.get("USER") or "postgres"
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"


class Server:
    def __init__(self, port: int, process: subprocess.Popen, log: Path) -> None:
        self.port = port
        self.process = process
        self.log = log
        self.url = f"http://127.0.0.1:{port}"

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def start_server(
    tmp_path: Path,
    *,
    redis_url: str | None = None,
    keepalive: int = 2,
    extra_env: dict[str, str] | None = None,
    healthy: bool = True,
    workers: int = 1,
) -> Server:
    """Start `marblejar serve`; ``keepalive`` also sets how often it re-reads the events table.

    ``extra_env`` adds or overrides variables. With ``healthy=False`` the
    server counts as started once ``/healthz`` answers at all (503 for a
    Redis that is down on purpose). One web process unless ``workers`` says more.
    """
    from marblejar.lib.staticfiles import collect_if_changed

    # Once per checkout (and whenever a static file changes), outside the
    # start-up deadline below: the server finds them collected.
    collect_if_changed(Path(settings.STATIC_COLLECT_ROOT))
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url_for_subprocess(),
        "MARBLEJAR_SECRET_KEY": settings.SECRET_KEY,
        "MARBLEJAR_DATA_DIR": str(settings.DATA_DIR),
        "MARBLEJAR_EVENTS_KEEPALIVE": str(keepalive),
        "MARBLEJAR_EVENTS_CATCHUP": str(keepalive),
        "MARBLEJAR_SITE_URL": f"http://127.0.0.1:{port}",
        "MARBLEJAR_LOGIN_THROTTLING": "0",
    }
    if redis_url:
        env["MARBLEJAR_REDIS_URL"] = redis_url
    else:
        env.pop("MARBLEJAR_REDIS_URL", None)
    env.update(extra_env or {})
    log = tmp_path / f"server-{port}.log"
    process = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            "-m",
            "marblejar",
            "serve",
            "--no-migrate",
            "--no-worker",
            "--port",
            str(port),
            "--workers",
            str(workers),
        ],
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    server = Server(port, process, log)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"Server exited early:\n{log.read_text()}")
        try:
            status = httpx.get(f"{server.url}/healthz", timeout=1).status_code
            if status == 200 or (status == 503 and not healthy):
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"Server did not start:\n{log.read_text()}")


@pytest.fixture
def live_marblejar(transactional_db, tmp_path: Path) -> Iterator[Server]:
    """A real `marblejar serve` (uvicorn, async SSE) on the test database."""
    server = start_server(tmp_path, redis_url=settings.REDIS_URL or None)
    yield server
    server.stop()


def chromium_path() -> str | None:
    path = os.environ.get("MARBLEJAR_CHROMIUM") or "/usr/bin/chromium"
    if Path(path).exists():
        return path
    return shutil.which("chromium") or shutil.which("chromium-browser")


def firefox_path() -> str | None:
    path = os.environ.get("MARBLEJAR_FIREFOX") or "/usr/bin/firefox-esr"
    if Path(path).exists():
        return path
    return shutil.which("firefox-esr") or shutil.which("firefox")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if IN_CI:
        return  # in CI a browser test without its browser fails when it launches
    no_chromium = pytest.mark.skip(
        reason="Chromium not found (set MARBLEJAR_CHROMIUM or install Debian's chromium)"
    )
    no_firefox = pytest.mark.skip(
        reason="Firefox not found (set MARBLEJAR_FIREFOX or install Debian's firefox-esr)"
    )
    for item in items:
        if not item.get_closest_marker("browser"):
            continue
        callspec = getattr(item, "callspec", None)
        name = callspec.params.get("browser_name", "chromium") if callspec else "chromium"
        if name == "firefox" and not firefox_path():
            item.add_marker(no_firefox)
        elif name == "chromium" and not chromium_path():
            item.add_marker(no_chromium)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call):
    """In CI, a skipped browser test, or a skipped Redis test when Redis is configured, fails."""
    report = yield
    if IN_CI and report.skipped and not hasattr(report, "wasxfail"):
        must_run = item.get_closest_marker("browser") or (
            item.get_closest_marker("redis") and os.environ.get("MARBLEJAR_REDIS_URL")
        )
        if must_run:
            report.outcome = "failed"
            report.longrepr = f"skipped in CI, where it must run: {report.longrepr}"
    return report


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    if not chromium_path():
        terminalreporter.write_line(
            "NOTICE: browser tests were skipped: Chromium was not found. "
            "Install Debian's chromium or set MARBLEJAR_CHROMIUM to run them.",
            yellow=True,
            bold=True,
        )
    if not firefox_path():
        terminalreporter.write_line(
            "NOTICE: the board's journeys in Firefox were skipped: Firefox was not found. "
            "Install Debian's firefox-esr or set MARBLEJAR_FIREFOX to run them.",
            yellow=True,
            bold=True,
        )
