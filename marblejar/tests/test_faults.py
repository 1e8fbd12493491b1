"""Faults during a live review, against real `marblejar serve` processes.

Each test plays one fault that a deployment meets sooner or later: an app
process killed, Redis restarted, PostgreSQL restarted, the data folder's disk
full. Participants keep writing notes and votes through the API while it
happens. What must hold: every note or vote the app acknowledged is stored,
every event reaches a reader once (reconnecting with ``Last-Event-ID`` where
its process died), requests fail with a readable answer instead of hanging,
and the app answers again within seconds without being restarted.

The figures each test prints are quoted in docs/reliability.md.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import signal
import sqlite3
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest
from django.conf import settings
from django.db import connection

from conftest import database_url_for_subprocess, free_port, start_server
from marblejar.accounts.services import token_create
from marblejar.realtime.models import Event
from marblejar.realtime.tests.streams import LiveStream
from marblejar.reviews.models import Note, Phase, Review, Theme
from marblejar.reviews.tests.helpers import advance_to, schedule
from marblejar.reviews.tests.live import csrf_post, session_client
from marblejar.test import Personas, make_personas

pytestmark = pytest.mark.slow

# Streams re-read the events table this often: what a process could not hear
# of through Redis or its neighbour arrives within this many seconds.
CATCHUP = 2
# A request that fails must fail at least this fast (no hang).
ANSWER_WITHIN = 5.0
# The app must answer again within this long after the fault is gone.
RECOVER_WITHIN = 15.0


@pytest.fixture
def servers(transactional_db, tmp_path):
    started = []

    def start(**kwargs):
        kwargs.setdefault("keepalive", CATCHUP)
        started.append(start_server(tmp_path, **kwargs))
        return started[-1]

    yield start
    for server in started:
        if server.process.poll() is None:
            server.stop()


def live_review(p: Personas) -> Review:
    return advance_to(schedule(p, votes_per_person=3), Phase.REFLECT, by=p.lead)


def bearer(user) -> dict[str, str]:
    _token, raw = token_create(user=user, name="fault test")
    return {"Authorization": f"Bearer {raw}"}


def last_event_id() -> int:
    return Event.objects.order_by("-id").values_list("id", flat=True).first() or 0


def events_since(review: Review, after: int) -> list[int]:
    return list(
        Event.objects.filter(stream=review.stream, id__gt=after)
        .order_by("id")
        .values_list("id", flat=True)
    )


def wait_until(check: Callable[[], bool], timeout: float, step: float = 0.05) -> float:
    """Seconds until ``check()`` held; fails after ``timeout``."""
    started = time.monotonic()
    while not check():
        if time.monotonic() - started > timeout:
            pytest.fail(f"not within {timeout}s")
        time.sleep(step)
    return time.monotonic() - started


def health(url: str) -> int | None:
    try:
        return httpx.get(f"{url}/healthz", timeout=2).status_code
    except httpx.HTTPError:
        return None


@dataclass
class Writes:
    """Notes written through the API: what was tried, what was acknowledged, what failed how."""

    tried: list[str] = field(default_factory=list)
    acknowledged: list[str] = field(default_factory=list)
    refused: list[tuple[int, str]] = field(default_factory=list)  # (status, body) of a non-201
    lost_connection: int = 0
    slowest: float = 0.0

    def note(self, url: str, headers: dict[str, str], review: Review, text: str) -> int | None:
        self.tried.append(text)
        started = time.monotonic()
        try:
            response = httpx.post(
                f"{url}/api/v1/reviews/{review.pk}/notes",
                json={"column": review.column_keys[0], "text": text},
                headers=headers,
                timeout=30,
            )
        except httpx.HTTPError:
            self.lost_connection += 1
            return None
        finally:
            self.slowest = max(self.slowest, time.monotonic() - started)
        if response.status_code == 201:
            self.acknowledged.append(text)
        else:
            self.refused.append((response.status_code, response.text))
        return response.status_code


class Background:
    """Calls ``step(i)`` again and again in a thread until stopped."""

    def __init__(self, step: Callable[[int], object], pause: float = 0.05):
        self.step, self.pause = step, pause
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.count = 0

    def _run(self) -> None:
        while not self._stop.is_set():
            self.step(self.count)
            self.count += 1
            time.sleep(self.pause)

    def __enter__(self) -> Background:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=40)


def stored_notes(review: Review) -> set[str]:
    return set(Note.objects.filter(review=review).values_list("text", flat=True))


# 1. An app process killed ------------------------------------------------------------


def test_killing_one_app_process_mid_review_loses_no_note_vote_or_event(servers):
    redis_url = settings.REDIS_URL or None
    doomed = servers(redis_url=redis_url)
    survivor = servers(redis_url=redis_url)
    p = make_personas()
    review = live_review(p)
    people = [p.lead, p.member, p.member2]
    headers = [bearer(u) for u in people]
    writes = Writes()
    survivor_answers: list[int | None] = []
    url = f"/r/{review.pk}/events/"  # from its first event: nothing published yet is missed

    def write(i: int) -> None:
        # Each participant in turn, through one process or the other while both run.
        target = doomed if i % 2 and doomed.process.poll() is None else survivor
        writes.note(target.url, headers[i % len(people)], review, f"note {i}")

    def watch_survivor(_i: int) -> None:
        survivor_answers.append(health(survivor.url))

    reader = session_client(doomed, p.member)
    with (
        LiveStream(reader, url) as before,
        Background(watch_survivor),
        Background(write) as writer,
    ):
        wait_until(lambda: len(writes.acknowledged) >= 15, 20)
        doomed.process.send_signal(signal.SIGKILL)
        killed_at = time.monotonic()
        # A supervisor restarts the killed process (as systemd would), meanwhile.
        replacement: dict[str, object] = {}

        def restart() -> None:
            replacement["server"] = servers(redis_url=redis_url)
            replacement["seconds"] = time.monotonic() - killed_at

        restarting = threading.Thread(target=restart, daemon=True)
        restarting.start()
        assert before.ended.wait(5), "the stream on the killed process did not end"
        seen = [event_id for event_id, _kind, _data in before.events]
        # The browser reconnects, here to the other process, with the last id it saw.
        moved = session_client(survivor, p.member)
        last = {"Last-Event-ID": str(seen[-1])} if seen else {}
        with LiveStream(moved, url, headers=last) as after:
            reconnected = time.monotonic() - killed_at
            wait_until(lambda: len(writes.acknowledged) >= 30, 20)
            writer.stop()
            # The review moves on to voting, through the survivor and the replacement.
            restarting.join(60)
            restarted, restart_seconds = replacement["server"], replacement["seconds"]
            review = advance_to(review, Phase.GROUP, by=p.lead)
            themes = [
                Theme.objects.create(organization=p.org, review=review, title=f"T{t}", position=t)
                for t in range(3)
            ]
            review = advance_to(review, Phase.VOTE, by=p.lead)
            votes = []
            for n, (_person, header) in enumerate(zip(people, headers, strict=True)):
                for v in range(3):
                    through = (survivor, restarted)[(n + v) % 2]
                    theme = themes[(n + v) % 3]
                    votes.append(
                        httpx.post(
                            f"{through.url}/api/v1/reviews/{review.pk}/themes/{theme.pk}/votes",
                            headers=header,
                            timeout=15,
                        ).status_code
                    )
            expected = events_since(review, 0)
            wait_until(
                lambda: [e[0] for e in before.events + after.events][-1:] == expected[-1:],
                3 * CATCHUP + 5,
            )

    delivered = [event_id for event_id, _kind, _data in before.events + after.events]
    log = survivor.log.read_text()[-2000:]
    assert delivered == expected, log  # every event, in order, each once
    assert votes == [201] * 9
    assert sum(t.votes.count() for t in Theme.objects.filter(review=review)) == 9
    stored = stored_notes(review)
    assert set(writes.acknowledged) <= stored  # nothing acknowledged is lost
    assert stored <= set(writes.tried)
    # Only requests in flight on the killed process may have gone unanswered.
    assert writes.lost_connection <= 1
    assert not writes.refused, writes.refused
    assert survivor_answers and all(s == 200 for s in survivor_answers), survivor_answers
    print(  # noqa: T201  (quoted in docs/reliability.md)
        f"\nkill: {len(writes.acknowledged)} notes acknowledged, {len(stored)} stored, "
        f"{writes.lost_connection} unanswered; 9 votes; {len(delivered)} events delivered once; "
        f"reader back after {reconnected:.2f}s; replacement answering after "
        f"{restart_seconds:.1f}s; survivor answered {len(survivor_answers)} health checks, "
        f"all 200"
    )


# 2. Redis restarted -------------------------------------------------------------------


@contextlib.contextmanager
def private_redis(port: int, workdir: Path) -> Iterator[Callable[[], subprocess.Popen]]:
    binary = shutil.which("redis-server")
    if not binary:
        pytest.skip("redis-server is not installed")
    running: list[subprocess.Popen] = []

    def start() -> subprocess.Popen:
        process = subprocess.Popen(  # noqa: S603
            [
                binary,
                "--port",
                str(port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(workdir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        running.append(process)
        import redis

        client = redis.Redis(port=port, socket_timeout=1)
        wait_until(lambda: _pings(client), 10)
        client.close()
        return process

    try:
        yield start
    finally:
        for process in running:
            if process.poll() is None:
                process.terminate()
                process.wait(timeout=10)


def _pings(client) -> bool:
    try:
        return bool(client.ping())
    except Exception:  # noqa: BLE001  (any failure means: not yet)
        return False


def test_restarting_redis_mid_review_loses_no_event_and_needs_no_app_restart(servers, tmp_path):
    port = free_port()
    with private_redis(port, tmp_path) as start_redis:
        redis_process = start_redis()
        redis_url = f"redis://127.0.0.1:{port}/0"
        one = servers(redis_url=redis_url)
        two = servers(redis_url=redis_url)
        p = make_personas()
        review = live_review(p)
        headers = [bearer(u) for u in (p.lead, p.member, p.member2)]
        writes = Writes()
        url = f"/r/{review.pk}/events/"

        def write(i: int) -> None:
            writes.note((one, two)[i % 2].url, headers[i % 3], review, f"note {i}")

        with (
            LiveStream(session_client(one, p.member), url) as on_one,
            LiveStream(session_client(two, p.member2), url) as on_two,
        ):
            with Background(write):
                wait_until(lambda: len(writes.acknowledged) >= 10, 20)
                redis_process.terminate()
                redis_process.wait(timeout=10)
                stopped_at = time.monotonic()
                unhealthy = wait_until(
                    lambda: health(one.url) == 503 and health(two.url) == 503, 10
                )
                down_from = len(writes.acknowledged)
                wait_until(lambda: len(writes.acknowledged) >= down_from + 15, 20)
                written_while_down = len(writes.acknowledged) - down_from
                start_redis()
                back_at = time.monotonic()
                healthy = wait_until(
                    lambda: health(one.url) == 200 and health(two.url) == 200, RECOVER_WITHIN
                )
                after_from = len(writes.acknowledged)
                wait_until(lambda: len(writes.acknowledged) >= after_from + 10, 20)
            expected = events_since(review, 0)
            for stream in (on_one, on_two):
                wait_until(
                    lambda s=stream: s.events[-1:] and s.events[-1][0] == expected[-1],
                    3 * CATCHUP + 5,
                )
                # The streams stay open through the outage: nothing to reconnect.
                assert not stream.ended.is_set()

    for stream in (on_one, on_two):
        assert [e[0] for e in stream.events] == expected, one.log.read_text()[-2000:]
    assert not writes.refused and not writes.lost_connection, writes.refused
    assert set(writes.acknowledged) == stored_notes(review)
    print(  # noqa: T201  (quoted in docs/reliability.md)
        f"\nredis: {len(writes.acknowledged)} notes ({written_while_down} while Redis was down), "
        f"all acknowledged and stored; {len(expected)} events delivered once to each of 2 "
        f"streams; /healthz 503 after {unhealthy:.2f}s, 200 again {healthy:.2f}s after Redis "
        f"came back (outage {back_at - stopped_at:.1f}s); slowest write {writes.slowest:.2f}s"
    )


# 3. PostgreSQL restarted ----------------------------------------------------------------

PG_BIN = Path("/usr/lib/postgresql/15/bin")


def postgres_tool(name: str) -> str:
    for candidate in (PG_BIN / name, shutil.which(name)):
        if candidate and Path(candidate).exists():
            return str(candidate)
    pytest.skip(f"{name} is not installed")


def as_postgres(*command: str) -> subprocess.CompletedProcess:
    """Run a PostgreSQL server tool as the postgres user (it refuses to run as root)."""
    if os.geteuid() == 0:
        command = ("su", "postgres", "-c", shlex.join(command))
    return subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)  # noqa: S603


@contextlib.contextmanager
def private_postgres(port: int) -> Iterator[tuple[Callable[[], None], Callable[[], None]]]:
    """A PostgreSQL cluster of its own, so that stopping it disturbs nobody else."""
    initdb, pg_ctl = postgres_tool("initdb"), postgres_tool("pg_ctl")
    folder = Path(tempfile.mkdtemp(prefix="marblejar-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    data = folder / "data"
    made = as_postgres(initdb, "-D", str(data), "-A", "trust", "-U", "postgres", "--no-sync")
    if made.returncode:
        shutil.rmtree(folder, ignore_errors=True)
        pytest.skip(f"cannot create a PostgreSQL cluster here: {made.stderr[-300:]}")
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off"

    def start() -> None:
        # -l: the server writes to its own log, not to the pipes this test reads to the end.
        started = as_postgres(
            pg_ctl, "-D", str(data), "-l", str(folder / "log"), "-o", options, "-w", "start"
        )
        assert started.returncode == 0, started.stdout + started.stderr

    def stop() -> None:
        as_postgres(pg_ctl, "-D", str(data), "-m", "fast", "-w", "stop")

    try:
        start()
        yield start, stop
    finally:
        as_postgres(pg_ctl, "-D", str(data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(folder, ignore_errors=True)


def test_restarting_postgresql_mid_review_fails_cleanly_and_recovers_alone(servers):
    if connection.vendor != "postgresql":
        pytest.skip("runs when the test database is PostgreSQL (DATABASE_URL)")
    p = make_personas()
    review = live_review(p)
    headers = [bearer(u) for u in (p.lead, p.member, p.member2)]
    port = free_port()
    with private_postgres(port) as (start_postgres, stop_postgres):
        # The test database, people, review and tokens included, copied over.
        url = f"postgres://postgres@127.0.0.1:{port}/marblejar"
        source = database_url_for_subprocess()
        copied = subprocess.run(  # noqa: S602
            f"createdb -h 127.0.0.1 -p {port} -U postgres marblejar && "
            f"pg_dump --no-owner {shlex.quote(source)} | psql -q -v ON_ERROR_STOP=1 {url}",
            shell=True,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert copied.returncode == 0, copied.stderr[-2000:]
        # Requests wait this long for a connection before answering 503.
        server = servers(extra_env={"DATABASE_URL": url, "MARBLEJAR_DB_POOL_TIMEOUT": "3"})
        writes = Writes()
        failures: list[tuple[int, float]] = []

        def write(i: int) -> None:
            started = time.monotonic()
            status = writes.note(server.url, headers[i % 3], review, f"note {i}")
            if status != 201:
                failures.append((status or 0, time.monotonic() - started))

        with Background(write):
            wait_until(lambda: len(writes.acknowledged) >= 10, 20)
            stop_postgres()
            down_from = len(writes.tried)
            wait_until(lambda: len(writes.tried) >= down_from + 3, 4 * ANSWER_WITHIN)
            start_postgres()
            acknowledged = len(writes.acknowledged)
            recovered = wait_until(lambda: len(writes.acknowledged) > acknowledged, RECOVER_WITHIN)
            wait_until(lambda: len(writes.acknowledged) >= acknowledged + 10, 20)
        stored = subprocess.run(  # noqa: S603
            [
                "psql",
                "-At",
                url,
                "-c",
                f"SELECT text FROM reviews_note WHERE review_id={review.pk}",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split("\n")

    assert set(writes.acknowledged) <= set(stored)  # nothing acknowledged is lost
    assert failures, "no request failed while PostgreSQL was down"
    assert writes.lost_connection == 0
    for status, body in writes.refused:
        assert status == 503, body
        assert httpx.Response(status, content=body).json()["detail"]
    assert max(seconds for _status, seconds in failures) < ANSWER_WITHIN
    print(  # noqa: T201  (quoted in docs/reliability.md)
        f"\npostgresql: {len(writes.acknowledged)} notes acknowledged and stored; "
        f"{len(failures)} refused with 503 while it was down, slowest refusal "
        f"{max(s for _st, s in failures):.2f}s; writing again {recovered:.2f}s after it "
        f"came back"
    )


# 4. The data folder's disk full (SQLite) ------------------------------------------------


@contextlib.contextmanager
def small_disk(size: str) -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="marblejar-disk-"))
    mounted = subprocess.run(  # noqa: S603
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],  # noqa: S607
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode:
        folder.rmdir()
        pytest.skip(f"cannot mount a small file system here: {mounted.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)  # noqa: S603, S607
        shutil.rmtree(folder, ignore_errors=True)


def fill(folder: Path) -> Path:
    filler = folder / "filler"
    chunk = b"\0" * (64 * 1024)
    with contextlib.suppress(OSError), filler.open("wb") as f:
        while True:
            f.write(chunk)
            f.flush()
    return filler


def test_a_full_disk_gives_a_clear_error_no_corruption_and_recovers_alone(servers):
    if connection.vendor != "sqlite":
        pytest.skip("the data folder's disk holds the database with SQLite only")
    p = make_personas()
    review = live_review(p)
    headers = bearer(p.member)
    board = session_client(SimpleNamespace(url="http://127.0.0.1"), p.member)
    with small_disk("24m") as disk:
        database = disk / "marblejar.sqlite3"
        source = sqlite3.connect(connection.settings_dict["NAME"])
        copy = sqlite3.connect(database)
        source.backup(copy)
        source.close()
        copy.close()
        server = servers(
            extra_env={
                "DATABASE_URL": f"sqlite:///{database}",
                "MARBLEJAR_DATA_DIR": str(disk),
                "MARBLEJAR_STATIC_ROOT": str(settings.STATIC_COLLECT_ROOT),
            }
        )
        writes = Writes()
        assert writes.note(server.url, headers, review, "before") == 201
        board.base_url = httpx.URL(server.url)  # the board is open in a browser
        assert board.get(f"/r/{review.pk}/").status_code == 200
        filler = fill(disk)
        # Notes long enough that a few pages of the database must grow.
        text = "x" * 1900
        for n in range(40):
            writes.note(server.url, headers, review, f"full {n} {text}")
            if writes.refused:
                break
        assert writes.refused, "the disk never filled"
        status, body = writes.refused[0]
        api_error = httpx.Response(status, content=body).json()
        page = csrf_post(
            board,
            f"/r/{review.pk}/notes/",
            {"column": review.column_keys[0], "text": "through the page"},
            f"/r/{review.pk}/",
        )
        answering_while_full = health(server.url)

        filler.unlink()
        freed_at = time.monotonic()
        recovered = wait_until(
            lambda: writes.note(server.url, headers, review, "after") == 201, RECOVER_WITHIN, 0.2
        )
        server.stop()
        check = sqlite3.connect(database)
        integrity = check.execute("PRAGMA integrity_check").fetchall()
        stored = {row[0] for row in check.execute("SELECT text FROM reviews_note")}
        check.close()

    assert status == 503, body
    assert "disk" in api_error["detail"].lower(), api_error
    assert page.status_code == 503, page.text
    assert "disk" in page.text.lower()
    assert answering_while_full is not None  # an answer, not a dead process
    assert integrity == [("ok",)]
    assert set(writes.acknowledged) <= stored
    assert "after" in stored
    print(  # noqa: T201  (quoted in docs/reliability.md)
        f"\nfull disk: {len(writes.acknowledged) - 1} notes still fitted after the filler, "
        f"then 503 "
        f"({api_error['detail']!r}); page 503; integrity_check ok; writing again "
        f"{recovered:.2f}s after space was freed ({time.monotonic() - freed_at:.1f}s incl. checks)"
    )
