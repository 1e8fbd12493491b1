"""Server time per render of every main page, against a minimal Django view.

Each page is rendered through the whole Django stack in-process (middleware,
session, authentication, the view, its queries, its templates) with the test
client, logged in as the organization admin who also leads the team. The
reference is a view that greets the logged-in person (so it reads the session
and the user, as every page must) with a short ``HttpResponse`` through the
same middleware, measured in the same run, interleaved with the pages so that a
busy machine slows both alike. Each render is timed in wall-clock time and
in the process's CPU time (medians); on a shared machine the CPU time is the
steadier measure of the server's own work. Two data sets:

* ``demo``: ``marblejar demo`` (Platform: six people, a few reflections,
  six months of pulses);
* ``history``: a team with two years of history (12 people, 520 reflections
  with reactions and comments, 24 monthly pulses, 52 closed reviews with
  156 actions, marbles).

    python bench/pages.py [--rounds 60] [--pages jar,actions] [--cold] [--profile /t/platform/]
    DATABASE_URL=postgres://…/empty_db python bench/pages.py   # on PostgreSQL

On PostgreSQL the database named must be empty or a former bench database:
its tables are flushed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

REFLECTIONS = 520
PULSES = 24
REVIEWS = 52
HISTORY_MEMBERS = 12


def setup_django() -> None:
    data_dir = tempfile.mkdtemp(prefix="marblejar-bench-")
    os.environ.setdefault("MARBLEJAR_DATA_DIR", data_dir)
    os.environ.setdefault("MARBLEJAR_ALLOWED_HOSTS", "testserver")
    os.environ.setdefault("MARBLEJAR_LOG_LEVEL", "WARNING")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marblejar.settings")
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import django

    django.setup()


def add_minimal_view() -> str:
    from django.contrib.auth.decorators import login_required
    from django.http import HttpResponse
    from django.urls import clear_url_caches, path

    from marblejar import urls

    # What every logged-in page pays at least: the session read and the user.
    @login_required
    def minimal(request):
        return HttpResponse(f"Hello {request.user.display_name}")

    urls.urlpatterns.insert(0, path("bench/minimal/", minimal))
    clear_url_caches()
    return "/bench/minimal/"


def build_history(org, lead) -> object:
    """A team with two years of history, built through the services where it matters."""
    from django.db import transaction
    from django.utils import timezone

    from marblejar.accounts.models import User
    from marblejar.pulse.tests.factories import run_pulse, set_k
    from marblejar.reflections import services as reflections
    from marblejar.reflections.models import Comment, Reaction, Reflection
    from marblejar.reviews.models import Action, ActionStatus, Phase, Review
    from marblejar.teams.models import Membership, Role, Team

    now = timezone.now()
    team = Team.objects.create(
        organization=org, name="History", slug="history", description="Two years of it."
    )
    Membership.objects.create(organization=org, team=team, user=lead, role=Role.LEAD)
    people = [lead]
    for i in range(HISTORY_MEMBERS - 1):
        user = User.objects.create(
            email=f"h{i}@history.test", display_name=f"Person {i}", organization=org
        )
        Membership.objects.create(organization=org, team=team, user=user, role=Role.MEMBER)
        people.append(user)
    set_k(org, 3, 3)
    for month in range(PULSES, 0, -1):
        answers = {p: 3 + (i + month) % 4 for i, p in enumerate(people[:10])}
        run_pulse(lead, team, answers, days_ago=month * 30 + 2)
    kinds = ["lesson", "mistake", "learning"]
    texts = {
        "lesson": {"body": "What we learned, in a few sentences of plain text. " * 4},
        "mistake": {
            "what_happened": "What happened, with times and effects. " * 4,
            "correction": "What I did to correct it. " * 3,
            "learned": "What I learned. " * 3,
        },
        "learning": {"skill": "Reading flame graphs", "body": "Practising, still slow. " * 3},
    }
    with transaction.atomic():
        for i in range(REFLECTIONS):
            kind = kinds[i % 3]
            author = people[i % len(people)]
            reflection = reflections.reflection_create(
                author=author,
                team=team,
                kind=kind,
                title=f"Reflection {i}: something we tried",
                tags=f"tag{i % 20}, shared",
                publish=True,
                **texts[kind],
            )
            other = people[(i + 1) % len(people)]
            reflections.reaction_add(user=other, reflection=reflection, kind="thanks")
            if i % 2:
                reflections.comment_create(
                    author=other, reflection=reflection, body="Thank you for writing it up."
                )
    # Spread them over two years, oldest first.
    step = timedelta(days=730) / REFLECTIONS
    ids = list(Reflection.objects.filter(team=team).order_by("pk").values_list("pk", flat=True))
    for n, pk in enumerate(ids):
        when = now - timedelta(days=730) + step * n
        Reflection.objects.filter(pk=pk).update(created_at=when, updated_at=when, published_at=when)
        Comment.objects.filter(reflection_id=pk).update(created_at=when + timedelta(hours=2))
        Reaction.objects.filter(reflection_id=pk).update(created_at=when + timedelta(hours=1))
    reviews = []
    for n in range(REVIEWS):
        when = now - timedelta(days=730) + timedelta(days=14) * n
        reviews.append(
            Review(
                organization=org,
                team=team,
                title=f"Retrospective {n + 1}",
                purpose="Look back at the last two weeks.",
                agenda="Notes, themes, votes, actions.",
                intent="We assume everyone did their best with what they knew.",
                template_name="Start, stop, continue",
                columns=["Start", "Stop", "Continue"],
                facilitator=lead,
                scheduled_for=when,
                phase=Phase.CLOSED,
                phase_changed_at=when + timedelta(hours=1),
                created_by=lead,
                created_at=when - timedelta(days=2),
                closed_at=when + timedelta(hours=1),
            )
        )
    reviews = Review.objects.bulk_create(reviews)
    statuses = [ActionStatus.DONE, ActionStatus.DONE, ActionStatus.OPEN, ActionStatus.DROPPED]
    Action.objects.bulk_create(
        Action(
            organization=org,
            team=team,
            review=review,
            title=f"Action {n}.{k}: make the safe way the easy way",
            owner=people[(n + k) % len(people)],
            due_on=(review.scheduled_for + timedelta(days=14)).date(),
            expected_effect="Fewer pages at night.",
            check_on=(review.scheduled_for + timedelta(days=42)).date(),
            status=statuses[(n + k) % 4],
        )
        for n, review in enumerate(reviews)
        for k in range(3)
    )
    return team


def pages_for(team, client) -> dict[str, str]:
    from marblejar.pulse.models import Pulse
    from marblejar.reflections.models import Reflection

    reflection = Reflection.objects.filter(team=team).order_by("-pk").first()
    published = (
        Pulse.objects.filter(team=team, published_at__isnull=False).order_by("-closes_at").first()
    )
    slug = team.slug
    pages = {
        "team": f"/t/{slug}/",
        "jar": f"/t/{slug}/jar/",
        "jar history": f"/t/{slug}/jar/?page=2",
        "reflections": f"/t/{slug}/reflections/",
        "one reflection": f"/reflections/{reflection.pk}/",
        "pulse list": f"/t/{slug}/pulses/",
        "pulse results": f"/t/{slug}/pulses/{published.pk}/results/",
        "org pulse overview": "/organization/pulses/",
        "actions": f"/t/{slug}/actions/",
        "review list": f"/t/{slug}/reviews/",
        "account": "/account/",
    }
    for name, url in pages.items():
        response = client.get(url)
        assert response.status_code == 200, (name, url, response.status_code)
    return pages


def measure(
    client, pages: dict[str, str], minimal: str, rounds: int, cold: bool = False
) -> dict[str, dict]:
    from django.core.cache import caches
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    fragments = caches["fragments"]

    urls = {"minimal view": minimal, **pages}
    times: dict[str, list[float]] = {name: [] for name in urls}
    cpu: dict[str, list[float]] = {name: [] for name in urls}
    for _ in range(3):  # warm-up: imports, template and URL caches
        for url in urls.values():
            client.get(url)
    for _ in range(rounds):
        for name, url in urls.items():
            if cold:  # every fragment drawn again, as after a change to what it shows
                fragments.clear()
            start, start_cpu = time.perf_counter(), time.process_time()
            client.get(url)
            cpu[name].append((time.process_time() - start_cpu) * 1000)
            times[name].append((time.perf_counter() - start) * 1000)
    results = {}
    for name, url in urls.items():
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        results[name] = {
            "url": url,
            "median": statistics.median(times[name]),
            "cpu": statistics.median(cpu[name]),
            "queries": len(captured),
            "bytes": len(response.content),
        }
    return results


def report(title: str, results: dict[str, dict]) -> list[float]:
    base, base_cpu = results["minimal view"]["median"], results["minimal view"]["cpu"]
    print(f"\n{title}")
    print(
        f"{'page':20} {'wall ms':>8} {'ratio':>7} {'CPU ms':>7} {'ratio':>7} "
        f"{'queries':>8} {'HTML bytes':>11}"
    )
    ratios = []
    for name, r in results.items():
        ratio, ratio_cpu = r["median"] / base, r["cpu"] / base_cpu
        if name != "minimal view":
            ratios.append(ratio_cpu)
        print(
            f"{name:20} {r['median']:8.2f} {ratio:6.1f}× {r['cpu']:7.2f} {ratio_cpu:6.1f}× "
            f"{r['queries']:8} {r['bytes']:11,}"
        )
    return ratios


def profile(client, url: str) -> None:
    import cProfile
    import pstats

    for _ in range(5):
        client.get(url)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(30):
        client.get(url)
    profiler.disable()
    pstats.Stats(profiler).sort_stats(os.environ.get("SORT", "cumulative")).print_stats(
        int(os.environ.get("LINES", "45"))
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=60)
    parser.add_argument(
        "--profile", help="print a profile of this URL (or 'demo:jar', 'history:actions') instead"
    )
    parser.add_argument("--sql", help="print the queries of this URL (or page) instead")
    parser.add_argument(
        "--cold",
        action="store_true",
        help="empty the cache of rendered fragments before each render (the cost of a miss)",
    )
    parser.add_argument(
        "--pages", help="measure only these pages, comma-separated names (e.g. 'jar,actions')"
    )
    args = parser.parse_args()

    setup_django()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from marblejar.accounts.models import User
    from marblejar.teams.models import Team

    call_command("migrate", verbosity=0)
    if connection.vendor == "postgresql":
        call_command("flush", interactive=False, verbosity=0)
    call_command("demo", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
    ada = User.objects.get(email="ada@demo.marblejar.org")
    started = time.perf_counter()
    history = build_history(ada.organization, ada)
    print(f"history built in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    minimal = add_minimal_view()
    client = Client()
    client.force_login(ada)
    demo_pages = pages_for(Team.objects.get(slug="platform"), client)
    history_pages = pages_for(history, client)

    named = {f"demo:{k}": v for k, v in demo_pages.items()}
    named.update({f"history:{k}": v for k, v in history_pages.items()})
    if args.profile:
        profile(client, named.get(args.profile, args.profile))
        return 0
    if args.sql:
        from django.test.utils import CaptureQueriesContext

        url = named.get(args.sql, args.sql)
        client.get(url)
        with CaptureQueriesContext(connection) as captured:
            client.get(url)
        for q in captured.captured_queries:
            print(q["time"], q["sql"][:400])
        return 0

    if args.pages:
        wanted = {name.strip() for name in args.pages.split(",")}
        demo_pages = {k: v for k, v in demo_pages.items() if k in wanted}
        history_pages = {k: v for k, v in history_pages.items() if k in wanted}
    cold = "; fragments drawn afresh each render" if args.cold else ""
    print(f"database: {connection.vendor}; {args.rounds} rounds, pages interleaved{cold}")
    all_ratios = report(
        "demo data (Platform)", measure(client, demo_pages, minimal, args.rounds, args.cold)
    )
    all_ratios += report(
        "two years of history", measure(client, history_pages, minimal, args.rounds, args.cold)
    )
    print(f"\nworst ratio in CPU time {max(all_ratios):.1f}× (goal ≤ 8×)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
