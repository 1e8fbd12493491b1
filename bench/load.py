"""Marblejar under load: `marblejar serve` with its defaults, driven by locust.

1. Open loop: 500 people each reading a page every 10 s on average (50
   requests/s) over a realistic mix of the main pages, for ``--duration``
   seconds: p50/p95/p99 and errors.
2. Saturation: ``--clients`` people asking again as soon as answered, once
   over the same mix and once over a minimal Django view (a logged-in
   greeting through the same middleware, added by bench/loadtest/urls.py):
   requests/s of each and their ratio.

The data: the demo organization plus 40 more people (50 in all, sessions
prepared in advance; 500 simulated people share them). SQLite by default;
set DATABASE_URL (an empty database: it is flushed) and MARBLEJAR_REDIS_URL
for PostgreSQL + Redis. Everything on loopback.

    python bench/load.py [--duration 60] [--clients 32]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
EXTRA_PEOPLE = 40


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


def locust(host: str, env: dict[str, str], users: int, seconds: int, out: Path) -> dict:
    command = [sys.executable, "-m", "locust", "-f", str(ROOT / "bench/loadtest/locustfile.py")]
    command += ["--headless", "--host", host, "-u", str(users), "-r", str(max(users // 2, 1))]
    command += ["-t", f"{seconds}s", "--csv", str(out), "--only-summary", "--loglevel", "ERROR"]
    subprocess.run(command, env=env, cwd=ROOT, check=False, capture_output=True)  # noqa: S603
    with open(f"{out}_stats.csv") as f:
        rows = {row["Name"]: row for row in csv.DictReader(f)}
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=60, help="seconds of open-loop load")
    parser.add_argument("--clients", type=int, default=32, help="people at saturation")
    parser.add_argument("--saturation-seconds", type=int, default=30)
    args = parser.parse_args()

    data = Path(tempfile.mkdtemp(prefix="marblejar-load-"))
    env = {
        **os.environ,
        "MARBLEJAR_DATA_DIR": str(data),
        "MARBLEJAR_LOG_LEVEL": "WARNING",
        "MARBLEJAR_LOGIN_THROTTLING": "0",
        "DJANGO_SETTINGS_MODULE": "bench.loadtest.settings",
        "PYTHONPATH": str(ROOT),
    }
    sessions = data / "sessions.json"
    subprocess.run(  # noqa: S603
        [sys.executable, __file__, "--prepare", str(sessions)], env=env, cwd=ROOT, check=True
    )
    port = free_port()
    host = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "marblejar", "serve", "--port", str(port)],
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

        rows = locust(
            host, {**load_env, "MARBLEJAR_LOAD_INTERVAL": "10"}, 500, args.duration, data / "open"
        )
        total = rows["Aggregated"]
        print(
            f"\nopen loop, 500 people, one page each per 10 s, {args.duration} s: "
            f"{float(total['Requests/s']):.1f} requests/s, {total['Request Count']} requests, "
            f"{total['Failure Count']} errors"
        )
        print(f"{'page':20} {'requests':>9} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7}")
        for name, row in rows.items():
            print(
                f"{name:20} {row['Request Count']:>9} {row['50%']:>7} {row['95%']:>7} "
                f"{row['99%']:>7}"
            )

        mix = locust(
            host,
            {**load_env, "MARBLEJAR_LOAD_INTERVAL": "0"},
            args.clients,
            args.saturation_seconds,
            data / "mix",
        )["Aggregated"]
        minimal = locust(
            host,
            {**load_env, "MARBLEJAR_LOAD_INTERVAL": "0", "MARBLEJAR_LOAD_ONLY": "minimal"},
            args.clients,
            args.saturation_seconds,
            data / "minimal",
        )["Aggregated"]
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
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=15)
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--prepare":
        sys.path.insert(0, str(ROOT))
        prepare(Path(sys.argv[2]))
        sys.exit(0)
    sys.exit(main())
