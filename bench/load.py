"""Marblejar under load: `marblejar serve` with its defaults, driven by locust.

1. Open loop: 500 people each reading a page every 10 s on average (50
   requests/s) over a realistic mix of the main pages, for ``--duration``
   seconds: p50/p95/p99 and errors.
2. Saturation: ``--clients`` people asking again as soon as answered, once
   over the same mix and once over a minimal Django view (a logged-in
   greeting through the same middleware, added by bench/loadtest/urls.py):
   requests/s of each and their ratio.

During the open loop, a live review runs too: 20 participants each write a
note through the API every 5 s on average, while 40 people watch the
review's live stream (server-sent events). At the end every note the app
acknowledged must be stored and every watcher must have received every
event of the review exactly once ("nothing lost").

The data: the demo organization plus 40 more people (50 in all, sessions
prepared in advance; 500 simulated people share them). SQLite by default;
set DATABASE_URL (an empty database: it is flushed) and MARBLEJAR_REDIS_URL
for PostgreSQL + Redis; `marblejar serve` runs its default number of app
processes (one per core) unless ``--workers`` says otherwise. Everything
on loopback.

    python bench/load.py [--duration 60] [--clients 32] [--workers N]
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
EXTRA_PEOPLE = 40
PARTICIPANTS = 20
WATCHERS = 40


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare(sessions_file: Path) -> None:
    """Migrate, seed, and write each person's session and pages to ``sessions_file``."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from marblejar.accounts.models import User
    from marblejar.pulse.models import Pulse
    from marblejar.reflections.models import Reflection
    from marblejar.teams.models import Membership, Role, Team

    call_command("migrate", verbosity=0)
    if connection.vendor == "postgresql":
        call_command("flush", interactive=False, verbosity=0)
    call_command("demo", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
    teams = list(Team.objects.order_by("slug"))
    org = teams[0].organization
    for i in range(EXTRA_PEOPLE):
        user = User.objects.create(
            email=f"person{i}@load.test", display_name=f"Person {i}", organization=org
        )
        Membership.objects.create(
            organization=org, team=teams[i % len(teams)], user=user, role=Role.MEMBER
        )
    people = []
    for membership in Membership.objects.select_related("user", "team"):
        team = membership.team
        slug = team.slug
        reflections = [
            f"/reflections/{pk}/"
            for pk in Reflection.objects.filter(team=team, status="published").values_list(
                "pk", flat=True
            )[:5]
        ]
        results = [
            f"/t/{slug}/pulses/{pk}/results/"
            for pk in Pulse.objects.filter(team=team, published_at__isnull=False).values_list(
                "pk", flat=True
            )[:3]
        ]
        pages = {
            "team": [f"/t/{slug}/"],
            "reflections": [f"/t/{slug}/reflections/"],
            "one reflection": reflections or [f"/t/{slug}/reflections/"],
            "jar": [f"/t/{slug}/jar/"],
            "pulse list": [f"/t/{slug}/pulses/"],
            "pulse results": results or [f"/t/{slug}/pulses/"],
            "actions": [f"/t/{slug}/actions/"],
            "review list": [f"/t/{slug}/reviews/"],
            "account": ["/account/"],
            "org pulse overview": ["/organization/pulses/"],
        }
        client = Client()
        client.force_login(membership.user)
        people.append(
            {
                "session": client.cookies["sessionid"].value,
                "admin": membership.user.is_org_admin,
                "pages": pages,
            }
        )
    sessions_file.write_text(json.dumps(people))
    print(f"database: {connection.vendor}; {len(people)} people with sessions", flush=True)
    prepare_review(sessions_file.with_name("review.json"))


def prepare_review(review_file: Path) -> None:
    """A live review in its writing phase, with participants' tokens and watchers' sessions."""
    from django.test import Client

    from marblejar.accounts.services import token_create
    from marblejar.reviews import services
    from marblejar.reviews.models import Phase
    from marblejar.reviews.tests.helpers import advance_to
    from marblejar.teams.models import Membership, Role

    lead = Membership.objects.filter(role=Role.LEAD).select_related("team", "user").first()
    team = lead.team
    review = services.review_schedule(
        actor=lead.user,
        team=team,
        title="Load test retrospective",
        purpose="Many people writing at once.",
        agenda="Reflect.",
        template="builtin:went_well",
    )
    review = advance_to(review, Phase.REFLECT, by=lead.user)
    members = [m.user for m in Membership.objects.filter(team=team).select_related("user")]
    tokens = [
        token_create(user=members[i % len(members)], name=f"load {i}")[1]
        for i in range(PARTICIPANTS)
    ]
    sessions = []
    for i in range(WATCHERS):
        client = Client()
        client.force_login(members[i % len(members)])
        sessions.append(client.cookies["sessionid"].value)
    review_file.write_text(
        json.dumps(
            {
                "review": review.pk,
                "column": review.column_keys[0],
                "tokens": tokens,
                "sessions": sessions,
            }
        )
    )


def verify(review_file: Path) -> None:
    """Print the review's stored notes and event ids (JSON), for the check after the load."""
    import django

    django.setup()
    from marblejar.realtime.models import Event
    from marblejar.reviews.models import Note, Review

    review = Review.objects.get(pk=json.loads(review_file.read_text())["review"])
    events = Event.objects.filter(stream=review.stream).order_by("id")
    print(
        json.dumps(
            {
                "notes": Note.objects.filter(review=review).count(),
                "events": list(events.values_list("id", flat=True)),
            }
        )
    )


class Watcher(threading.Thread):
    """Someone with the review's board open: reads its live stream, keeps every event id."""

    def __init__(self, host: str, review: int, session: str) -> None:
        super().__init__(daemon=True)
        self.url = f"{host}/r/{review}/events/"
        self.session = session
        self.ids: list[int] = []
        self.stop = threading.Event()
        self.error = ""

    def run(self) -> None:
        last = 0
        while not self.stop.is_set():
            headers = {"Last-Event-ID": str(last)} if last else {}
            try:
                with (
                    httpx.Client(cookies={"sessionid": self.session}, timeout=30) as client,
                    client.stream("GET", self.url, headers=headers) as response,
                ):
                    if response.status_code != 200:
                        self.error = f"{response.status_code}"
                        return
                    for line in response.iter_lines():
                        if self.stop.is_set():
                            return
                        if line.startswith("id: "):
                            last = int(line[4:])
                            self.ids.append(last)
            except httpx.HTTPError as error:  # reconnect with Last-Event-ID, like a browser
                self.error = type(error).__name__
                time.sleep(0.5)


def web_cpu_seconds(server_pid: int) -> float:
    """CPU time (user + system) used so far by the web processes of `marblejar serve`.

    On a shared machine the clock of a saturation run depends on what else
    runs; the CPU time each request costs the server does much less."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    children = Path(f"/proc/{server_pid}/task/{server_pid}/children").read_text().split()
    for pid in children or [str(server_pid)]:
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        if b"worker" in command.split(b"\0") or b"resource_tracker" in command:
            continue  # the task worker, multiprocessing's helper
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


def locust(host: str, env: dict[str, str], users: int, seconds: int, out: Path) -> dict:
    command = [sys.executable, "-m", "locust", "-f", str(ROOT / "bench/loadtest/locustfile.py")]
    command += ["--headless", "--host", host, "-u", str(users), "-r", str(max(users // 2, 1))]
    command += ["-t", f"{seconds}s", "--csv", str(out), "--only-summary", "--loglevel", "ERROR"]
    subprocess.run(command, env=env, cwd=ROOT, check=False, capture_output=True)  # noqa: S603
    with open(f"{out}_stats.csv") as f:
        rows = {row["Name"]: row for row in csv.DictReader(f)}
    return rows


def check_review(env: dict, review_file: Path, rows: dict, watchers: list[Watcher]) -> None:
    """Nothing lost: every acknowledged note stored, every event to every watcher once."""
    written = rows.get("review note (API)", {})
    acknowledged = int(written.get("Request Count", 0)) - int(written.get("Failure Count", 0))
    deadline = time.monotonic() + 30
    while True:
        stored = json.loads(
            subprocess.run(  # noqa: S603
                [sys.executable, __file__, "--verify", str(review_file)],
                env=env,
                cwd=ROOT,
                check=True,
                capture_output=True,
                text=True,
            ).stdout
        )
        complete = [w for w in watchers if w.ids == stored["events"]]
        if len(complete) == len(watchers) or time.monotonic() > deadline:
            break
        time.sleep(1)
    for watcher in watchers:
        watcher.stop.set()
    duplicated = sum(len(w.ids) - len(set(w.ids)) for w in watchers)
    missing = sum(len(set(stored["events"]) - set(w.ids)) for w in watchers)
    lost = missing or duplicated or stored["notes"] < acknowledged
    verdict = "LOST OR DUPLICATED" if lost else "nothing lost"
    print(
        f"live review: {acknowledged} notes acknowledged, {stored['notes']} stored (the rest "
        f"were in flight when the load stopped); "
        f"{len(stored['events'])} events, {len(complete)}/{len(watchers)} watchers got every "
        f"one once ({missing} missing, {duplicated} twice): {verdict}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=60, help="seconds of open-loop load")
    parser.add_argument("--clients", type=int, default=32, help="people at saturation")
    parser.add_argument("--saturation-seconds", type=int, default=30)
    parser.add_argument(
        "--workers", type=int, default=None, help="app processes (default: serve's, one per core)"
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=None,
        help="page threads per app process (MARBLEJAR_THREADS; 0: Django's own handler)",
    )
    parser.add_argument(
        "--without-review",
        action="store_true",
        help="the open loop reads pages only (no live review written and watched)",
    )
    args = parser.parse_args()
    if importlib.util.find_spec("locust") is None:
        parser.exit(2, "bench/load.py needs locust: pip install -e '.[bench]'\n")

    data = Path(tempfile.mkdtemp(prefix="marblejar-load-"))
    env = {
        **os.environ,
        "MARBLEJAR_DATA_DIR": str(data),
        "MARBLEJAR_LOG_LEVEL": "WARNING",
        "MARBLEJAR_LOGIN_THROTTLING": "0",
        "DJANGO_SETTINGS_MODULE": "bench.loadtest.settings",
        "PYTHONPATH": str(ROOT),
    }
    if args.threads is not None:
        env["MARBLEJAR_THREADS"] = str(args.threads)
    sessions = data / "sessions.json"
    subprocess.run(  # noqa: S603
        [sys.executable, __file__, "--prepare", str(sessions)], env=env, cwd=ROOT, check=True
    )
    port = free_port()
    host = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "marblejar", "serve", "--port", str(port)]
        + (["--workers", str(args.workers)] if args.workers else []),
        env=env,
        cwd=ROOT,
        stdout=(data / "server.log").open("w"),
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{host}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        load_env = {**env, "MARBLEJAR_LOAD_SESSIONS": str(sessions)}
        # Warm every process: imports, templates, connections.
        locust(host, {**load_env, "MARBLEJAR_LOAD_INTERVAL": "0"}, 8, 10, data / "warm")

        review_file = data / "review.json"
        review = json.loads(review_file.read_text())
        watchers = []
        if not args.without_review:
            watchers = [Watcher(host, review["review"], s) for s in review["sessions"]]
        for watcher in watchers:
            watcher.start()
        open_env = {**load_env, "MARBLEJAR_LOAD_INTERVAL": "10"}
        if not args.without_review:
            open_env["MARBLEJAR_LOAD_REVIEW"] = str(review_file)
        cpu_before = web_cpu_seconds(server.pid)
        rows = locust(
            host,
            open_env,
            500 + (0 if args.without_review else PARTICIPANTS),
            args.duration,
            data / "open",
        )
        total = rows["Aggregated"]
        cpu_open = web_cpu_seconds(server.pid) - cpu_before
        database = os.environ.get("DATABASE_URL", "sqlite").split(":")[0]
        redis = " + Redis" if os.environ.get("MARBLEJAR_REDIS_URL") else ""
        workers = args.workers or len(os.sched_getaffinity(0))
        print(f"\n{database}{redis}, {workers} app process(es)")
        review_part = (
            ""
            if args.without_review
            else f", and a live review ({PARTICIPANTS} writing, {WATCHERS} watching)"
        )
        print(
            f"open loop, 500 people, one page each per 10 s{review_part}, {args.duration} s: "
            f"{float(total['Requests/s']):.1f} requests/s, {total['Request Count']} requests, "
            f"{total['Failure Count']} errors; the web processes used {cpu_open:.1f} s of CPU "
            f"({cpu_open / args.duration:.0%} of a core)"
        )
        if not args.without_review:
            check_review(env, review_file, rows, watchers)
        print(f"{'page':20} {'requests':>9} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7}")
        for name, row in rows.items():
            print(
                f"{name:20} {row['Request Count']:>9} {row['50%']:>7} {row['95%']:>7} "
                f"{row['99%']:>7}"
            )

        cpu_before = web_cpu_seconds(server.pid)
        mix = locust(
            host,
            {**load_env, "MARBLEJAR_LOAD_INTERVAL": "0"},
            args.clients,
            args.saturation_seconds,
            data / "mix",
        )["Aggregated"]
        cpu_mix = web_cpu_seconds(server.pid) - cpu_before
        cpu_before = web_cpu_seconds(server.pid)
        minimal = locust(
            host,
            {**load_env, "MARBLEJAR_LOAD_INTERVAL": "0", "MARBLEJAR_LOAD_ONLY": "minimal"},
            args.clients,
            args.saturation_seconds,
            data / "minimal",
        )["Aggregated"]
        cpu_minimal = web_cpu_seconds(server.pid) - cpu_before
        per_mix = 1000 * cpu_mix / max(int(mix["Request Count"]), 1)
        per_minimal = 1000 * cpu_minimal / max(int(minimal["Request Count"]), 1)
        mix_rps, minimal_rps = float(mix["Requests/s"]), float(minimal["Requests/s"])
        print(
            f"\nsaturation, {args.clients} people asking again at once, {args.saturation_seconds} s"
        )
        print(
            f"mix of pages   {mix_rps:7.1f} requests/s, p95 {mix['95%']} ms, "
            f"{mix['Failure Count']} errors"
        )
        print(
            f"minimal view   {minimal_rps:7.1f} requests/s, p95 {minimal['95%']} ms, "
            f"{minimal['Failure Count']} errors"
        )
        print(f"ratio {mix_rps / minimal_rps:.0%} (goal ≥ 30%)")
        print(
            f"web processes' CPU per request: mix {per_mix:.2f} ms, minimal view "
            f"{per_minimal:.2f} ms ({per_minimal / per_mix:.0%} of the mix's)"
        )
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=15)
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--verify":
        sys.path.insert(0, str(ROOT))
        verify(Path(sys.argv[2]))
        sys.exit(0)
    if len(sys.argv) == 3 and sys.argv[1] == "--prepare":
        sys.path.insert(0, str(ROOT))
        prepare(Path(sys.argv[2]))
        sys.exit(0)
    sys.exit(main())
