"""Insights pages: a team of 12 with two years of history, and the organization page at 6,000 teams.

Generates one organization straight into the database with bulk inserts:
``--teams`` teams (6,000 by default), each with a newest published pulse
result, a few closed reviews, actions and marbles; and one team of 12
people with two years of history (a pulse a month, a review every two
weeks with its safety check revealed, three actions per review, marbles
and reflections every week). Then, in the same run and on the same
database, renders alternately:

1. a minimal Django view (``login_required``, the same middleware, the user's name),
   the reference every figure is a ratio to, and for scale an ordinary page of
   the site (the empty notifications list: the base template, the header's
   menus and bell);
2. the team's insights page over two years (``?months=24``) and over the
   default six months;
3. the organization's insights page.

Each is the median of ``--renders`` renders (Django test client, server
time), with the best render and the median CPU time of the process too
(SQLite runs inside it): on a machine other work keeps busy, the best of
many and the CPU time are the steadier measures of what a render costs. Usage::

    python bench/insights.py                     # SQLite under a temporary data folder
    DATABASE_URL=postgres://... python bench/insights.py
    python bench/insights.py --teams 1500

Figures go to BENCHMARKS.md under "Insights".
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def setup_django(data_dir: Path) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marblejar.settings")
    os.environ.setdefault("MARBLEJAR_DATA_DIR", str(data_dir))
    os.environ.setdefault("MARBLEJAR_SECRET_KEY", "bench-only-secret-key-not-for-production")
    os.environ.setdefault("MARBLEJAR_LOG_LEVEL", "WARNING")
    os.environ.setdefault("MARBLEJAR_ALLOWED_HOSTS", "testserver,localhost")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def generate(*, teams: int, seed: int) -> tuple[object, object]:
    """The organization and the big team's lead (an org admin too)."""
    from django.utils import timezone

    from marblejar.accounts.models import Organization, User
    from marblejar.jar.models import Marble
    from marblejar.pulse.models import Pulse, PulseResult
    from marblejar.pulse.selectors import builtin_definition
    from marblejar.reflections.models import Reflection
    from marblejar.reviews.models import Action, Review
    from marblejar.teams.models import Membership, Role, Team

    rng = random.Random(seed)
    now = timezone.now()
    org = Organization.objects.create(name="Bench")
    definition = builtin_definition("psychological_safety")
    all_teams = Team.objects.bulk_create(
        Team(organization=org, name=f"Team {i:05d}", slug=f"team-{i:05d}") for i in range(teams)
    )
    big = all_teams[0]
    people = User.objects.bulk_create(
        User(email=f"p{i}@bench.test", display_name=f"Person {i}", organization=org)
        for i in range(12)
    )
    lead = people[0]
    User.objects.filter(pk=lead.pk).update(is_org_admin=True)
    lead.refresh_from_db()
    Membership.objects.bulk_create(
        Membership(organization=org, team=big, user=u, role=Role.LEAD if i == 0 else Role.MEMBER)
        for i, u in enumerate(people)
    )

    def pulse_row(team, closes, n, mean, latest):
        return (
            Pulse(
                organization=org,
                team=team,
                instrument_slug="psychological_safety",
                definition=definition,
                title="Psychological safety",
                opens_at=closes - timedelta(days=5),
                closes_at=closes,
                min_group_size=3,
                members_at_open=list(range(12)),
                counted=n,
                participant_count=n,
                closed_at=closes,
                published_at=closes + timedelta(days=2),
            ),
            dict(n=n, counted=n, mean=mean, latest=latest, closed=closes),
        )

    rows = []
    for month in range(24):
        closes = now - timedelta(days=30 * (24 - month) - 10)
        rows.append(pulse_row(big, closes, rng.randint(2, 12), 4 + month / 20, month == 23))
    for team in all_teams[1:]:
        rows.append(
            pulse_row(team, now - timedelta(days=20), rng.randint(2, 9), 3 + 3 * rng.random(), True)
        )
    pulses = Pulse.objects.bulk_create([p for p, _ in rows])
    PulseResult.objects.bulk_create(
        PulseResult(
            pulse=p,
            organization=org,
            team_id=p.team_id,
            instrument_slug="psychological_safety",
            closed_on=extra["closed"].date(),
            n=extra["n"],
            counted=extra["counted"],
            min_group_size=3,
            k=7,
            mean=extra["mean"],
            sd=1.0,
            ci_low=extra["mean"] - 0.5,
            ci_high=extra["mean"] + 0.5,
            is_latest=extra["latest"],
        )
        for p, (_pulse, extra) in zip(pulses, rows, strict=True)
    )
    reviews, marbles, actions, reflections = [], [], [], []

    def review(team, at):
        reviews.append(
            Review(
                organization=org,
                team=team,
                title="Retro",
                purpose="p",
                agenda="a",
                intent="i",
                template_name="t",
                phase="closed",
                scheduled_for=at,
                closed_at=at,
                safety_counts={"3": 2, "4": 3, "5": 2},
                safety_shown={"3": 2, "4": 3, "5": 2},
            )
        )

    def action(team, at, i):
        done = i % 2 == 0
        actions.append(
            Action(
                organization=org,
                team=team,
                title=f"Action {i}",
                expected_effect="e",
                created_at=at,
                status="done" if done else "open",
                done_at=at + timedelta(days=10) if done else None,
                check_result="worked" if i % 4 == 0 else "",
                checked_at=at + timedelta(days=30) if i % 4 == 0 else None,
            )
        )

    for day in range(0, 730, 14):
        at = now - timedelta(days=day)
        review(big, at)
        for i in range(3):
            action(big, at, day + i)
    for day in range(0, 730, 2):
        at = now - timedelta(days=day, hours=rng.randint(0, 23))
        marbles.append(
            Marble(
                organization=org,
                team=big,
                act_key=f"m:{day}",
                act="offline",
                response="offline",
                created_at=at,
            )
        )
        if day % 4 == 0:
            reflections.append(
                Reflection(
                    organization=org,
                    team=big,
                    author=people[day % 12],
                    kind="lesson",
                    status="published",
                    title="R",
                    by_lead=day % 12 == 0,
                    published_at=at,
                    created_at=at,
                )
            )
    for team in all_teams[1:]:
        for _ in range(2):
            review(team, now - timedelta(days=rng.randint(0, 170)))
        for j in range(4):
            action(team, now - timedelta(days=rng.randint(0, 170)), j)
        for j in range(6):
            marbles.append(
                Marble(
                    organization=org,
                    team=team,
                    act_key=f"m:{j}",
                    act="offline",
                    response="offline",
                    created_at=now - timedelta(days=rng.randint(0, 170)),
                )
            )
    Review.objects.bulk_create(reviews, batch_size=2000)
    Action.objects.bulk_create(actions, batch_size=2000)
    Marble.objects.bulk_create(marbles, batch_size=2000)
    Reflection.objects.bulk_create(reflections, batch_size=2000)
    return org, lead


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--teams", type=int, default=6000)
    parser.add_argument("--renders", type=int, default=30)
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument(
        "--data-dir", type=Path, help="keep the data here, and measure again on it next time"
    )
    args = parser.parse_args()
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="marblejar-bench-"))
    data_dir.mkdir(parents=True, exist_ok=True)
    setup_django(data_dir)

    from django.contrib.auth.decorators import login_required
    from django.db import connection, reset_queries
    from django.http import HttpResponse
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import clear_url_caches, path

    from marblejar import urls

    # The same session and user reads as every page of the site, and nothing else.
    minimal = login_required(lambda request: HttpResponse(request.user.display_name))
    urls.urlpatterns.append(path("bench-minimal/", minimal))
    clear_url_caches()

    from marblejar.accounts.models import User

    lead = User.objects.filter(email="p0@bench.test").first()
    if lead is None:
        started = time.perf_counter()
        _org, lead = generate(teams=args.teams, seed=args.seed)
        print(
            f"generated {args.teams} teams in {time.perf_counter() - started:.1f} s "
            f"({connection.vendor})"
        )
    else:
        args.teams = lead.organization.teams.count()
        print(f"measuring again on the data in {data_dir} ({connection.vendor})")
    if connection.vendor == "postgresql":
        # A running deployment's autovacuum keeps the planner's statistics and
        # the visibility map current; a server where it is off (or has not
        # yet come round after the bulk insert) would measure plans on a
        # guess of five rows per table and index-only scans that visit every
        # row anyway. So the tables are vacuumed and analysed before measuring.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    client = Client()
    client.force_login(lead)
    pages = {
        "minimal view": "/bench-minimal/",
        "an ordinary page (notifications, empty)": "/notifications/",
        "team insights, 24 months": "/t/team-00000/insights/?months=24",
        "team insights, 6 months": "/t/team-00000/insights/",
        f"organization insights, {args.teams} teams": "/organization/insights/",
    }
    times: dict[str, list[float]] = {name: [] for name in pages}
    cpu: dict[str, list[float]] = {name: [] for name in pages}
    queries = {}
    for name, url in pages.items():  # warm up, and count queries once
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        queries[name] = len(captured)
    for _ in range(args.renders):
        for name, url in pages.items():
            reset_queries()
            c0, t0 = time.process_time(), time.perf_counter()
            client.get(url)
            times[name].append(time.perf_counter() - t0)
            cpu[name].append(time.process_time() - c0)
    base = statistics.median(times["minimal view"])
    best_base = min(times["minimal view"])
    cpu_base = statistics.median(cpu["minimal view"])
    print(
        f"{'page':40} {'median ms':>10} {'p95 ms':>8} {'best ms':>8} {'cpu ms':>8} "
        f"{'× minimal':>10} {'best ×':>7} {'cpu ×':>6} {'queries':>8}"
    )
    for name, values in times.items():
        values.sort()
        median = statistics.median(values)
        p95 = values[int(0.95 * (len(values) - 1))]
        cpu_median = statistics.median(cpu[name])
        print(
            f"{name:40} {1000 * median:10.2f} {1000 * p95:8.2f} {1000 * values[0]:8.2f} "
            f"{1000 * cpu_median:8.2f} {median / base:10.1f} {values[0] / best_base:7.1f} "
            f"{cpu_median / cpu_base:6.1f} {queries[name]:8d}"
        )


if __name__ == "__main__":
    main()
