"""Learning reviews: time from one participant's note to every participant's event stream.

Starts two ``marblejar serve`` processes that share PostgreSQL and Redis,
connects 100 participants' event streams (half to each process), then posts
notes one at a time, alternating between the processes and the writers, and
measures, for every note and every participant, the time from sending the
note to that participant's stream delivering its signal. Prints p50, p95,
p99 and the maximum in milliseconds.

    createdb -h 127.0.0.1 -U postgres marblejar_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/marblejar_bench \\
    MARBLEJAR_REDIS_URL=redis://127.0.0.1:6379/5 \\
    .venv/bin/python bench/review_latency.py [--participants 100] [--notes 200]

Without ``MARBLEJAR_REDIS_URL`` the processes wake each other through
PostgreSQL's LISTEN/NOTIFY; without ``DATABASE_URL`` they share a new SQLite
file and watch its change counter. The database is migrated and gets a new
organization on each run.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int, log: Path) -> subprocess.Popen:
    env = {**os.environ, "MARBLEJAR_LOGIN_THROTTLING": "0", "MARBLEJAR_LOG_LEVEL": "WARNING"}
    return subprocess.Popen(
        [sys.executable, "-m", "marblejar", "serve", "--no-migrate", "--no-worker"]
        + ["--port", str(port)],
        env=env,
        cwd=ROOT,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )


def wait_healthy(url: str, process: subprocess.Popen, log: Path) -> None:
    import httpx

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server exited:\n{log.read_text()}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"server did not start:\n{log.read_text()}")


def setup(participants: int) -> tuple[int, list[str], list[str]]:
    """A team, its review in the reflect phase, session cookies and API tokens."""
    from django.core.management import call_command
    from django.test import Client

    from marblejar.accounts.models import Organization, User
    from marblejar.accounts.services import token_create
    from marblejar.reviews import services
    from marblejar.teams.models import Membership, Role, Team

    call_command("migrate", verbosity=0)
    stamp = int(time.time())
    org = Organization.objects.create(name=f"Bench {stamp}")
    team = Team.objects.create(organization=org, name="Bench", slug=f"bench-{stamp}")
    users = [
        User.objects.create(
            email=f"p{i}-{stamp}@bench.test", display_name=f"P{i}", organization=org
        )
        for i in range(participants)
    ]
    Membership.objects.bulk_create(
        Membership(organization=org, team=team, user=u, role=Role.LEAD if i == 0 else Role.MEMBER)
        for i, u in enumerate(users)
    )
    lead = users[0]
    review = services.review_schedule(
        actor=lead,
        team=team,
        title="Bench",
        purpose="Measure",
        agenda="Notes",
        template="builtin:went_well",
    )
    for _ in range(3):
        services.review_advance_phase(actor=lead, review=review)
    services.go_first_write(actor=lead, review=review, part="Mine", revisit="That")
    services.review_advance_phase(actor=lead, review=review)
    cookies = []
    for user in users:
        client = Client()
        client.force_login(user)
        cookies.append(client.cookies["sessionid"].value)
    tokens = [token_create(user=u, name="bench")[1] for u in users[:10]]
    return review.pk, cookies, tokens


async def run(args: argparse.Namespace, servers: list[str], review_id: int, cookies, tokens):
    import httpx

    arrivals: list[list[float]] = [[] for _ in cookies]
    opened = 0

    async def listen(i: int) -> None:
        # A bare HTTP/1.1 reader: with 100 streams in one process, a full
        # client library's line parsing would dominate what is measured.
        nonlocal opened
        host, port = servers[i % len(servers)].removeprefix("http://").split(":")
        reader, writer = await asyncio.open_connection(host, int(port))
        writer.write(
            f"GET /r/{review_id}/events/ HTTP/1.1\r\nHost: {host}\r\n"
            f"Cookie: sessionid={cookies[i]}\r\nAccept: text/event-stream\r\n\r\n".encode()
        )
        await writer.drain()
        head = await reader.readuntil(b"\r\n\r\n")
        assert b" 200 " in head.split(b"\r\n")[0], head
        opened += 1
        marker = b"event: review_notes\n"
        pending = b""
        while chunk := await reader.read(65536):
            now = time.perf_counter()
            pending += chunk
            found = pending.count(marker)
            arrivals[i].extend([now] * found)
            pending = (
                pending[-len(marker) :]
                if not found
                else pending[pending.rfind(marker) + len(marker) :]
            )

    # People join over a few seconds, not in the same millisecond (each
    # stream briefly needs a database connection while it starts).
    listeners = []
    for i in range(len(cookies)):
        listeners.append(asyncio.create_task(listen(i)))
        if i % 10 == 9:
            await asyncio.sleep(0.3)
    deadline = time.monotonic() + 60
    while opened < len(cookies):
        failed = [t for t in listeners if t.done()]
        if failed or time.monotonic() > deadline:
            for t in failed:
                t.result()  # raises what went wrong
            raise SystemExit(f"only {opened} of {len(cookies)} streams opened")
        await asyncio.sleep(0.1)
    await asyncio.sleep(1.0)  # every stream subscribed

    writers = [
        httpx.AsyncClient(
            base_url=servers[i % len(servers)],
            headers={"Authorization": f"Bearer {t}"},
            timeout=30,
        )
        for i, t in enumerate(tokens)
    ]
    samples: list[float] = []
    posts: list[float] = []
    firsts: list[float] = []
    missing = 0
    for n in range(args.warmup + args.notes):
        writer = writers[n % len(writers)]
        sent = time.perf_counter()
        response = await writer.post(
            f"/api/v1/reviews/{review_id}/notes",
            json={"column": "went_well", "text": f"note {n}"},
        )
        assert response.status_code == 201, response.text
        answered = time.perf_counter()
        deadline = time.perf_counter() + 5
        while any(len(a) <= n for a in arrivals) and time.perf_counter() < deadline:
            await asyncio.sleep(0.001)
        if n < args.warmup:
            continue
        posts.append((answered - sent) * 1000)
        firsts.append((min(a[n] for a in arrivals if len(a) > n) - sent) * 1000)
        for a in arrivals:
            if len(a) > n:
                samples.append((a[n] - sent) * 1000)
            else:
                missing += 1
        await asyncio.sleep(args.pause)
    for w in writers:
        await w.aclose()
    for task in listeners:
        task.cancel()
    return samples, missing, posts, firsts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=100)
    parser.add_argument("--notes", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--pause", type=float, default=0.05, help="seconds between notes")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        redis = bool(os.environ.get("MARBLEJAR_REDIS_URL"))
        setup_name = "PostgreSQL + Redis" if redis else "PostgreSQL, LISTEN/NOTIFY"
    elif not url:
        setup_name = "SQLite"
        os.environ.pop("MARBLEJAR_REDIS_URL", None)
    else:
        raise SystemExit("DATABASE_URL must be PostgreSQL, or unset for SQLite; see the docstring.")

    os.environ.setdefault("MARBLEJAR_DATA_DIR", tempfile.mkdtemp(prefix="marblejar-bench-"))
    os.environ.setdefault("MARBLEJAR_SECRET_KEY", "bench-" + "x" * 60)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marblejar.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    review_id, cookies, tokens = setup(args.participants)

    logs = Path(tempfile.mkdtemp(prefix="marblejar-bench-logs-"))
    ports = [free_port(), free_port()]
    processes = [start_server(port, logs / f"server-{port}.log") for port in ports]
    servers = [f"http://127.0.0.1:{port}" for port in ports]
    try:
        for server, process, port in zip(servers, processes, ports, strict=True):
            wait_healthy(server, process, logs / f"server-{port}.log")
        samples, missing, posts, firsts = asyncio.run(
            run(args, servers, review_id, cookies, tokens)
        )
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=10)

    samples.sort()
    q = statistics.quantiles(samples, n=100)
    print(
        f"{args.participants} participants over 2 processes ({setup_name}), "
        f"{args.notes} notes, {len(samples)} deliveries, {missing} not delivered within 5 s"
    )
    print(
        f"note -> every stream, ms: p50 {q[49]:.1f}  p95 {q[94]:.1f}  p99 {q[98]:.1f}  "
        f"max {samples[-1]:.1f}"
    )
    print(
        f"of which: the note's POST answered, p50 {statistics.median(posts):.1f} ms; "
        f"the first stream got it, p50 {statistics.median(firsts):.1f} ms"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
