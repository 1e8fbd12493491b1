"""Learning reviews: server time to draw the board and each of its parts.

Builds a review with 12 and then 50 participants (four notes each, grouped
into six themes) and, in each of the phases reflect, group, vote and
discuss, times the board page and every part the phase shows, as one
member reads them through Django's full request path (middleware, session,
permissions, templates). In the same run it times a minimal view (a logged-in
page that only answers "ok" through the same middleware), and prints each
median as a ratio of that one, so that machines and loads compare; and the
same for the CPU time the process spent (the database's excluded), which a
busy machine disturbs less than the clock. Goals:
the board at most 10 times the minimal view, a part at most 4 times.

    createdb -h 127.0.0.1 -U postgres marblejar_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/marblejar_bench \\
    .venv/bin/python bench/review_board.py [--people 12 50] [--rounds 40]

The parts the board keeps rendered per version of the review (the group
part, the spotlighted theme, the vote cards) are found kept on every read
but the first, as by every reader after the first when a change reloads
everyone's board; ``--cold`` drops them before each read instead, which is
what the first reader of each version pays.

Without ``DATABASE_URL`` it runs on a new SQLite file. The database is
migrated and gets a new organization on each run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PHASES = ("reflect", "group", "vote", "discuss")


def setup_django() -> None:
    if not os.environ.get("DATABASE_URL"):
        db = Path(tempfile.mkdtemp()) / "bench.sqlite3"
        os.environ["DATABASE_URL"] = f"sqlite:///{db}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marblejar.settings")
    os.environ.setdefault("MARBLEJAR_LOG_LEVEL", "WARNING")
    import django
    from django.conf import settings

    django.setup()
    # The minimal view, mounted beside the real ones for this run only.
    from django.contrib.auth.decorators import login_required
    from django.http import HttpResponse
    from django.urls import include, path

    @login_required
    def minimal(request):
        return HttpResponse("ok")

    urls = types.ModuleType("bench_urls")
    urls.urlpatterns = [path("bench-minimal/", minimal), path("", include("marblejar.urls"))]
    sys.modules["bench_urls"] = urls
    settings.ROOT_URLCONF = "bench_urls"
    settings.ALLOWED_HOSTS = ["*"]


def build(people: int, phase: str):
    """A team of ``people``, their review in ``phase``, and a client logged in as a member."""
    from django.test import Client
    from django.utils import timezone

    from marblejar.accounts.models import Organization, User
    from marblejar.reviews import services
    from marblejar.reviews.models import PHASE_ORDER, Note, Participant, Phase
    from marblejar.teams.models import Membership, Role, Team

    stamp = f"{time.time_ns()}"
    org = Organization.objects.create(name=f"Bench {stamp}")
    team = Team.objects.create(organization=org, name="Bench", slug=f"bench-{stamp}")
    users = User.objects.bulk_create(
        User(email=f"p{i}-{stamp}@bench.test", display_name=f"Person {i}", organization=org)
        for i in range(people)
    )
    Membership.objects.bulk_create(
        Membership(organization=org, team=team, user=u, role=Role.LEAD if i == 0 else Role.MEMBER)
        for i, u in enumerate(users)
    )
    lead, member = users[0], users[1]
    review = services.review_schedule(
        actor=lead,
        team=team,
        title="Sprint retrospective",
        purpose="Learn from the sprint.",
        agenda="Check-in, notes, themes, votes, discussion, actions.",
        template="builtin:went_well",
    )

    def to(target: str) -> None:
        while PHASE_ORDER.index(review.phase) < PHASE_ORDER.index(target):
            if review.phase == Phase.GO_FIRST:
                services.go_first_write(actor=lead, review=review, part="Mine", revisit="That")
            services.review_advance_phase(actor=lead, review=review)
            review.refresh_from_db()

    to(Phase.REFLECT)
    now = timezone.now()
    Participant.objects.bulk_create(
        Participant(organization=org, review=review, user=u, last_seen=now) for u in users
    )
    keys = review.column_keys
    Note.objects.bulk_create(
        Note(
            organization=org,
            review=review,
            column=keys[i % len(keys)],
            text=f"Note {i}: something that happened during the sprint and what it meant",
            author=users[i % people],
            created_at=now,
        )
        for i in range(people * 4)
    )
    if phase != Phase.REFLECT:
        to(Phase.GROUP)
        themes = [
            services.theme_create(actor=lead, review=review, title=f"Theme {i}") for i in range(6)
        ]
        notes = list(Note.objects.filter(review=review).order_by("text"))
        for i, note in enumerate(notes):
            if i % 3:
                Note.objects.filter(pk=note.pk).update(theme=themes[i % 6])
        to(phase)
    client = Client()
    client.force_login(member)
    return review, client


def timed(
    client, urls: dict[str, str], rounds: int, cold: bool = False
) -> dict[str, tuple[float, float, float]]:
    """The median server time of ``rounds`` GETs of each URL, in milliseconds, and its size.

    Two medians for each: the time on the clock, and the CPU time this
    process spent (Django's share, without the database's), which a loaded
    machine disturbs much less. The URLs take turns within each round, so
    that whatever else the machine is doing weighs on the reference and on
    the board alike. With ``cold``, the rendered parts kept from the last
    read are dropped before each one (every read is then the first reader
    of its version); otherwise every read after the first finds them, as
    every reader after the first does when a change reloads everyone's part.
    The size is the last answer's, in kilobytes.
    """
    from django.core.cache import caches

    fragments = caches["fragments"]
    wall: dict[str, list[float]] = {name: [] for name in urls}
    cpu: dict[str, list[float]] = {name: [] for name in urls}
    size: dict[str, float] = {}
    for round_ in range(rounds + 3):
        for name, url in urls.items():
            if cold:
                fragments.clear()
            start, start_cpu = time.perf_counter(), time.process_time()
            response = client.get(url)
            elapsed = (time.perf_counter() - start) * 1000
            elapsed_cpu = (time.process_time() - start_cpu) * 1000
            assert response.status_code == 200, url
            size[name] = len(response.content) / 1000
            if round_ >= 3:  # the first rounds warm caches
                wall[name].append(elapsed)
                cpu[name].append(elapsed_cpu)
    return {
        name: (statistics.median(wall[name]), statistics.median(cpu[name]), size[name])
        for name in urls
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, nargs="+", default=[12, 50])
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--phases", nargs="+", choices=PHASES, default=list(PHASES))
    parser.add_argument(
        "--cold",
        action="store_true",
        help="drop the kept renderings of parts before every read (the first reader's cost)",
    )
    args = parser.parse_args()
    setup_django()
    from django.core.management import call_command
    from django.urls import reverse

    from marblejar.reviews.parts import parts_in

    call_command("migrate", verbosity=0)
    worst = {"board": 0.0, "part": 0.0, "board_cpu": 0.0, "part_cpu": 0.0}
    print(
        f"{'people':>6} {'phase':<8} {'what':<10} {'median ms':>10} {'× minimal':>10}"
        f" {'CPU ms':>8} {'CPU ×':>7} {'KB':>7}"
    )
    for people in args.people:
        for phase in args.phases:
            review, client = build(people, phase)
            urls = {
                "minimal": "/bench-minimal/",
                "board": reverse("reviews:board", args=[review.pk]),
            }
            for part in parts_in(phase):
                urls[part.name] = reverse("reviews:section", args=[review.pk, part.name])
            medians = timed(client, urls, args.rounds, cold=args.cold)
            minimal, minimal_cpu, _size = medians["minimal"]
            for name, (ms, cpu_ms, kb) in medians.items():
                ratio, cpu_ratio = ms / minimal, cpu_ms / minimal_cpu
                if name == "board":
                    worst["board"] = max(worst["board"], ratio)
                    worst["board_cpu"] = max(worst["board_cpu"], cpu_ratio)
                elif name not in ("minimal", "phase"):  # the phase region is most of the board
                    worst["part"] = max(worst["part"], ratio)
                    worst["part_cpu"] = max(worst["part_cpu"], cpu_ratio)
                print(
                    f"{people:>6} {phase:<8} {name:<10} {ms:>10.2f} {ratio:>10.1f}"
                    f" {cpu_ms:>8.2f} {cpu_ratio:>7.1f} {kb:>7.1f}"
                )
    print(
        f"\nworst board: {worst['board']:.1f}× the minimal view (goal ≤ 10×), "
        f"{worst['board_cpu']:.1f}× in CPU time; "
        f"worst part: {worst['part']:.1f}× (goal ≤ 4×), {worst['part_cpu']:.1f}× in CPU time"
    )


if __name__ == "__main__":
    main()
