"""Two `marblejar serve` processes on one database: an event published through one
reaches a stream connected to the other within a second, on every set-up
(SQLite; PostgreSQL alone, through LISTEN/NOTIFY; PostgreSQL with Redis), and
still arrives, later, when one process cannot reach Redis at all."""

from __future__ import annotations

import os
import socket
import time
from contextlib import ExitStack
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from conftest import start_server
from marblejar.accounts import services as account_services
from marblejar.realtime.tests.streams import LiveStream
from marblejar.realtime.tests.test_scaled_out import invitation_link, sign_up_with
from marblejar.realtime.tests.test_sse import login
from marblejar.test import make_personas

pytestmark = pytest.mark.slow

# Far longer than the delivery we wait for: only the wake-up between the
# processes can bring the event in time, not the periodic catch-up.
CATCHUP_SECONDS = 60
DELIVERY_SECONDS = 1.0
# With Redis down, only the catch-up brings another process's events.
CATCHUP_DOWN = 3

SETUPS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql-listen-notify"),
    pytest.param("postgresql+redis", id="postgresql-redis", marks=pytest.mark.redis),
]


def skip_unless_applies(setup: str) -> None:
    vendor = connection.vendor
    if setup == "sqlite" and vendor != "sqlite":
        pytest.skip("runs when the test database is SQLite")
    if setup.startswith("postgresql") and vendor != "postgresql":
        pytest.skip("needs DATABASE_URL pointing at PostgreSQL")
    if setup == "postgresql+redis" and not settings.REDIS_URL:
        pytest.skip("needs MARBLEJAR_REDIS_URL")


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens once the socket closes


@pytest.fixture
def servers(transactional_db, tmp_path):
    started = []

    def start(**kwargs):
        started.append(start_server(tmp_path, **kwargs))
        return started[-1]

    yield start
    for server in started:
        server.stop()


def watch_team(server, email: str, slug: str) -> LiveStream:
    return LiveStream(login(server, email), f"/t/{slug}/events/")


def join_through(server, raw_token: str, slug: str, name: str, email: str) -> float:
    sign_up_with(invitation_link(server, raw_token, slug), name=name, email=email)
    return time.monotonic()


@pytest.mark.parametrize("setup", SETUPS)
def test_an_event_published_in_one_process_reaches_a_stream_in_the_other(servers, setup):
    skip_unless_applies(setup)
    redis_url = settings.REDIS_URL if setup == "postgresql+redis" else None
    server_a = servers(keepalive=CATCHUP_SECONDS, redis_url=redis_url)
    server_b = servers(keepalive=CATCHUP_SECONDS, redis_url=redis_url)
    p = make_personas()
    _token, raw = account_services.token_create(user=p.lead, name="two processes")

    with (
        watch_team(server_b, p.member.email, p.team.slug) as on_b,
        watch_team(server_a, p.member2.email, p.team.slug) as on_a,
    ):
        time.sleep(0.5)  # both processes listen for each other by now
        joined = join_through(server_a, raw, p.team.slug, "Nina New", "nina@acme.test")
        on_b.wait_for(1, timeout=5)
        joined_again = join_through(server_b, raw, p.team.slug, "Omar Okafor", "omar@acme.test")
        on_a.wait_for(2, timeout=5)

    log_b = server_b.log.read_text()[-2000:]
    assert on_b.data()[:1] == ["<li>Nina New joined the team.</li>"], log_b
    assert on_b.arrived[0] - joined < DELIVERY_SECONDS
    assert on_a.data() == [
        "<li>Nina New joined the team.</li>",
        "<li>Omar Okafor joined the team.</li>",
    ]
    assert on_a.arrived[1] - joined_again < DELIVERY_SECONDS


@pytest.mark.redis
def test_a_process_that_cannot_reach_redis_still_gets_every_event_in_order(servers):
    if not settings.REDIS_URL:
        pytest.skip("needs MARBLEJAR_REDIS_URL")
    # The connected process hears nothing from the cut-off one and must
    # catch up from the table. The cut-off one catches up too late for this
    # test: what it reads, it reads because something woke it.
    cut_off = servers(
        keepalive=CATCHUP_SECONDS,
        redis_url=f"redis://127.0.0.1:{closed_port()}/0",
        healthy=False,
    )
    connected = servers(keepalive=CATCHUP_DOWN, redis_url=settings.REDIS_URL)
    p = make_personas()
    _token, raw = account_services.token_create(user=p.lead, name="redis down")

    with (
        watch_team(cut_off, p.member.email, p.team.slug) as on_cut_off,
        watch_team(connected, p.member2.email, p.team.slug) as on_connected,
    ):
        # Nina joins where Redis works: the cut-off process cannot hear of it.
        # Omar joins next through the cut-off process itself, which learns of
        # its own event at once. Reading from the table in id order, it finds
        # Nina's earlier event on the way; jumping to Omar's, it never would.
        join_through(connected, raw, p.team.slug, "Nina New", "nina@acme.test")
        join_through(cut_off, raw, p.team.slug, "Omar Okafor", "omar@acme.test")
        on_cut_off.wait_for(2, timeout=3 * CATCHUP_DOWN)
        on_connected.wait_for(2, timeout=3 * CATCHUP_DOWN)
        time.sleep(CATCHUP_DOWN)  # and one catch-up more: nothing twice

    expected = ["<li>Nina New joined the team.</li>", "<li>Omar Okafor joined the team.</li>"]
    assert on_cut_off.data() == expected, cut_off.log.read_text()[-2000:]
    assert on_connected.data() == expected, connected.log.read_text()[-2000:]


def connections_per_process(server) -> list[int]:
    """How many open connections to ``server``'s port each of its web processes holds (Linux)."""
    pid = server.process.pid
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    on_port = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            local_port, state, inode = int(fields[1].rsplit(":", 1)[1], 16), fields[3], fields[9]
            if local_port == server.port and state == "01":  # established
                on_port.add(f"socket:[{inode}]")
    counts = []
    for child in children:
        held = 0
        for fd in Path(f"/proc/{child}/fd").iterdir():
            try:
                held += os.readlink(fd) in on_port
            except OSError:
                continue  # closed meanwhile
        counts.append(held)
    return counts


@pytest.mark.parametrize("setup", SETUPS)
def test_one_serve_with_a_process_per_core_delivers_across_its_processes(servers, setup):
    """`marblejar serve --workers 2`: streams spread over both processes all get an
    event published through either one within a second."""
    if not Path("/proc/net/tcp").exists():
        pytest.skip("reads the connections from /proc (Linux)")
    skip_unless_applies(setup)
    redis_url = settings.REDIS_URL if setup == "postgresql+redis" else None
    server = servers(keepalive=CATCHUP_SECONDS, redis_url=redis_url, workers=2)
    p = make_personas()
    _token, raw = account_services.token_create(user=p.lead, name="two workers")
    client = login(server, p.member.email)
    with ExitStack() as stack:
        streams = []
        # Connections land on whichever process accepts first: open streams
        # until both processes hold some.
        while len(streams) < 16 and sum(1 for n in connections_per_process(server) if n) < 2:
            streams.append(stack.enter_context(LiveStream(client, f"/t/{p.team.slug}/events/")))
        assert sum(1 for n in connections_per_process(server) if n) == 2, "one process took all"
        time.sleep(0.5)
        joined = join_through(server, raw, p.team.slug, "Nina New", "nina@acme.test")
        for stream in streams:
            stream.wait_for(1, timeout=5)
    assert all(s.data()[:1] == ["<li>Nina New joined the team.</li>"] for s in streams)
    assert max(s.arrived[0] for s in streams) - joined < DELIVERY_SECONDS
