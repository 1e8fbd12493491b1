"""Insights across teams: figures per team checked against the rows, and nothing per person."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from marblejar.insights.periods import period_of
from marblejar.insights.tests.test_team_insights import seed_rows
from marblejar.jar.models import Marble
from marblejar.pulse.tests.factories import set_k
from marblejar.pulse.tests.test_overview import run_pulse, team_with
from marblejar.reviews.models import Action, Review

pytestmark = pytest.mark.django_db

URL = reverse("insights:organization")


def closed_review(p, team, days_ago: int) -> Review:
    return Review.objects.create(
        organization=p.org,
        team=team,
        title="R",
        purpose="p",
        agenda="a",
        intent="i",
        template_name="t",
        phase="closed",
        closed_at=timezone.now() - timedelta(days=days_ago),
    )


def test_activity_per_team_matches_the_raw_tables(personas, client_for):
    period = period_of(6)
    seed_rows(personas, period, random.Random(5))
    for days in (3, 40, 120, 400):
        closed_review(personas, personas.team, days)
    closed_review(personas, personas.other_team, 10)
    response = client_for("admin").get(URL)
    assert response.status_code == 200
    rows = {t.team_id: t for t in response.context["figures"].teams}

    def inside(moment) -> bool:
        return moment is not None and period.since <= moment < period.until

    for team in (personas.team, personas.other_team):
        actions = list(Action.objects.filter(team=team))
        row = rows[team.pk]
        assert row.reviews == sum(inside(r.closed_at) for r in Review.objects.filter(team=team))
        assert row.marbles == sum(inside(m.created_at) for m in Marble.objects.filter(team=team))
        assert row.opened == sum(inside(a.created_at) for a in actions)
        assert row.done == sum(a.status == "done" and inside(a.done_at) for a in actions)
        assert row.worked == sum(
            a.check_result == "worked" and inside(a.checked_at) for a in actions
        )
        assert (
            f'<th scope="row"><a href="/t/{team.slug}/insights/">{team.name}</a></th>'
            f"<td>{row.reviews}</td><td>{row.opened}</td><td>{row.done}</td>"
            f"<td>{row.worked}</td><td>{row.marbles}</td>"
        ) in response.content.decode()
    assert rows[personas.team.pk].reviews == 3
    # No result is hidden, so none is said to be ("0 teams' newest results …").
    assert "not shown." not in response.content.decode()


def test_scores_are_the_shown_teams_of_the_overview_only(personas, client_for):
    set_k(personas.org, 3)
    for name, size, value in (("Alpha", 5, 6), ("Bravo", 4, 3), ("Tiny", 2, 1)):
        team, people = team_with(personas.org, name, size)
        run_pulse(people[0], team, people, value=value, k=3)
    admin = client_for("admin")
    response = admin.get(URL)
    figures = response.context["figures"]
    overview = admin.get("/api/v1/organization/pulses").json()
    shown = sorted(row["mean"] for row in overview["teams"] if row["shown"])
    assert sorted(figures.team_means) == pytest.approx(shown)
    assert len(shown) == 2
    assert sum(count for _low, _high, count in figures.bins) == 2
    page = response.content.decode()
    mean, n = overview["total_mean"], overview["total_n"]
    assert f"All shown teams together: {mean:.2f}, from {n} people." in page
    assert "1 team's newest result is not shown." in page
    assert "What is not shown, and why" in page
    # Team figures only: no person is named anywhere in the page's content.
    main = page.split('<main id="main"', 1)[1]
    for person in ("Ada Admin", "Lena Lead", "Max Member", "Alpha 0", "Tiny 1"):
        assert person not in main


def test_query_count_is_flat(personas, client_for, django_assert_num_queries):
    admin = client_for("admin")
    admin.get(URL)
    with django_assert_num_queries(6):
        admin.get(URL)
    set_k(personas.org, 3)
    for i in range(6):
        team, people = team_with(personas.org, f"Team{i}", 3)
        run_pulse(people[0], team, people, value=4, k=3)
        closed_review(personas, team, 5)
    seed_rows(personas, period_of(6), random.Random(1))
    with django_assert_num_queries(6):
        admin.get(URL)


def test_teams_are_paged_in_name_order_and_the_reading_counts_them_all(personas, client_for):
    from marblejar.teams.models import Team

    made = Team.objects.bulk_create(
        Team(organization=personas.org, name=f"Squad {i:03d}", slug=f"squad-{i:03d}")
        for i in range(105)
    )
    for team in made[::10]:
        closed_review(personas, team, 3)
    closed_review(personas, made[0], 4)
    admin = client_for("admin")
    first = admin.get(URL).context
    second = admin.get(URL + "?page=2").context
    names = [t.name for t in first["figures"].teams] + [t.name for t in second["figures"].teams]
    everyone = sorted(
        Team.objects.filter(organization=personas.org).values_list("name", flat=True), key=str.lower
    )
    assert names == everyone
    assert len(first["figures"].teams) == 100
    assert (
        "11 of 107 teams closed at least one review in this period."
        in first["readings"]["activity"]
    )
    squad_000 = next(t for t in first["figures"].teams if t.name == "Squad 000")
    assert squad_000.reviews == 2


def test_the_activity_rows_escape_team_names_and_link_each_team(personas, client_for):
    from marblejar.teams.models import Team

    Team.objects.create(organization=personas.org, name="<b>Ops</b> & co", slug="ops")
    page = client_for("admin").get(URL).content.decode()
    row = f'<tr><th scope="row"><a href="{reverse("insights:team", args=["ops"])}">'
    assert row + "&lt;b&gt;Ops&lt;/b&gt; &amp; co</a></th><td>0</td>" in page
    assert "<b>Ops</b>" not in page


def test_the_spread_total_and_counts_match_the_newest_results_rows(personas, client_for):
    """Bins, pooled total and hidden/without counts worked out here from the model rows, with
    means on the bins' edges, outside the scale and missing."""
    from marblejar.pulse import stats
    from marblejar.pulse.models import Pulse, PulseResult
    from marblejar.pulse.selectors import builtin_definition
    from marblejar.teams.models import Team

    rng = random.Random(7)
    edges = [1.0, 1.5, 3.5, 3.4999999999999996, 4.0, 6.5, 7.0, 0.9, 7.2, None]
    means = edges + [1 + 6 * rng.random() for _ in range(60)]
    teams = Team.objects.bulk_create(
        Team(organization=personas.org, name=f"T{i:03d}", slug=f"t{i:03d}")
        for i in range(len(means) + 5)  # five teams with no result
    )
    definition = builtin_definition("psychological_safety")
    now = timezone.now()
    pulses = Pulse.objects.bulk_create(
        Pulse(
            organization=personas.org,
            team=team,
            instrument_slug="psychological_safety",
            definition=definition,
            title="Psychological safety",
            opens_at=now - timedelta(days=9),
            closes_at=now - timedelta(days=3),
            min_group_size=3,
            members_at_open=[],
            closed_at=now - timedelta(days=3),
            published_at=now - timedelta(days=2),
        )
        for team in teams[: len(means)]
    )
    PulseResult.objects.bulk_create(
        PulseResult(
            pulse=pulse,
            organization=personas.org,
            team_id=pulse.team_id,
            instrument_slug="psychological_safety",
            closed_on=now.date(),
            n=(n := rng.randint(1, 9)),
            counted=n,
            min_group_size=3,
            k=7,
            mean=mean,
            sd=rng.choice([None, 0.0, 0.8, 1.3]),
            is_latest=True,
        )
        for pulse, mean in zip(pulses, means, strict=True)
    )
    figures = client_for("admin").get(URL).context["figures"]

    rows = list(PulseResult.objects.filter(organization=personas.org, is_latest=True))
    shown = [r for r in rows if r.is_shown]
    low = 1
    expected = [[low + i * 0.5, low + (i + 1) * 0.5, 0] for i in range(12)]
    for r in shown:
        if r.mean is not None:
            expected[min(11, max(0, int((r.mean - low) // 0.5)))][2] += 1
    assert figures.bins == [tuple(b) for b in expected]
    assert sorted(figures.team_means) == sorted(r.mean for r in shown if r.mean is not None)
    pooled = stats.pooled_mean([(r.n, r.mean, r.sd) for r in shown])
    assert figures.total == pooled  # the same numbers, not nearly
    assert figures.hidden_count == len(rows) - len(shown)
    assert figures.teams_without == Team.objects.filter(organization=personas.org).count() - len(
        rows
    )
    assert figures.teams_count == Team.objects.filter(organization=personas.org).count()
