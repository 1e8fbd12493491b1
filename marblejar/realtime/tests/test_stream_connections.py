"""Live streams and the database connections of a real `marblejar serve`.

A stream lives for hours and waits almost all of that time; it must not hold
a database connection while it waits, and a crowd opening streams at once
must not take the connections the pages need. Measured against a server with
a pool of four connections and two page threads, as under load with many
people opening a review's board together.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack

import httpx
import pytest
from django.db import connection
from django.test import Client

from conftest import start_server
from marblejar.realtime.tests.streams import LiveStream
from marblejar.reviews.models import Phase
from marblejar.reviews.tests.helpers import advance_to, schedule
from marblejar.test import make_personas

pytestmark = pytest.mark.slow

STREAMS = 16
POOL = 4
# Names the server's connections in pg_stat_activity (libpq reads it).
APPLICATION = "marblejar-streams-test"


@pytest.fixture
def crowd(transactional_db, tmp_path):
    """Start a server (with a small pool, or none); a review and a member's session cookie."""
    started = []

    def start(*, pool: bool = True):
        p = make_personas()
        review = advance_to(schedule(p), Phase.REFLECT, by=p.lead)
        browser = Client()
        browser.force_login(p.member)
        env = {"MARBLEJAR_THREADS": "2", "PGAPPNAME": APPLICATION}
        if pool:
            env |= {"MARBLEJAR_DB_POOL_MAX": str(POOL), "MARBLEJAR_DB_POOL_MIN": "1"}
        else:
            env["MARBLEJAR_DB_POOL"] = "0"
        started.append(start_server(tmp_path, extra_env=env))
        cookies = {"sessionid": browser.cookies["sessionid"].value}
        return started[-1], review, cookies, p

    yield start
    for server in started:
        server.stop()


def open_streams(server, url: str, cookies: dict, stack: ExitStack, count: int) -> list[LiveStream]:
    """``count`` streams opened at the same moment, each on its own connection."""
    streams = [
        LiveStream(httpx.Client(base_url=server.url, cookies=cookies), url) for _ in range(count)
    ]
    start = threading.Barrier(count)

    def enter(stream: LiveStream) -> LiveStream:
        start.wait()
        return stack.enter_context(stream)

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(enter, streams))


def server_connections() -> list[tuple[str, str]]:
    """The server's PostgreSQL connections: each one's state and last statement."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT state, query FROM pg_stat_activity WHERE application_name = %s",
            [APPLICATION],
        )
        return cursor.fetchall()


def test_pages_answer_while_a_crowd_opens_streams(crowd):
    server, review, cookies, p = crowd()
    pages: list[tuple[int, float]] = []

    def read_pages(until: float) -> None:
        with httpx.Client(base_url=server.url, cookies=cookies, timeout=30) as client:
            while time.monotonic() < until:
                began = time.monotonic()
                status = client.get(f"/t/{p.team.slug}/").status_code
                pages.append((status, time.monotonic() - began))

    with ExitStack() as stack:
        reader = threading.Thread(target=read_pages, args=(time.monotonic() + 4,))
        reader.start()
        streams = open_streams(server, f"/r/{review.pk}/events/", cookies, stack, STREAMS)
        reader.join()
        log = server.log.read_text()[-3000:]
        assert [s.status for s in streams] == [200] * STREAMS, log
        assert not any(s.ended.is_set() for s in streams), log
        assert pages, log
        assert {status for status, _took in pages} == {200}, log
        assert max(took for _status, took in pages) < 2, log


def test_an_idle_stream_holds_no_database_connection(crowd):
    if connection.vendor != "postgresql":
        pytest.skip("counts the server's connections in PostgreSQL's pg_stat_activity")
    # Without the pool a connection is open only while it is held, so
    # PostgreSQL counts exactly what the process holds.
    server, review, cookies, _p = crowd(pool=False)
    with ExitStack() as stack:
        streams = open_streams(server, f"/r/{review.pk}/events/", cookies, stack, STREAMS)
        time.sleep(1)
        held = server_connections()
        assert [s.status for s in streams] == [200] * STREAMS
        # The events' reader and its LISTEN for other processes' events: two
        # for the whole process, none for any of the waiting streams.
        assert len(held) <= 2, held
