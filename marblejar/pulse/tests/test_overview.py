"""Minimum group sizes across every page one person can read.

An org admin can read the organization overview (page and API), the
insights across teams, every team's published results (page and API) and
every team's insights page. The tests here read all of them as
that admin would, and do the arithmetic an attacker would: subtract what is
shown from what is shown, and see whether fewer than a minimum group of
people is left.
"""

from __future__ import annotations

import itertools
import random
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from marblejar.pulse import services
from marblejar.pulse.models import Pulse
from marblejar.pulse.tests.factories import add_members, answers_for, open_pulse, set_k
from marblejar.teams.models import Membership, Role, Team

pytestmark = pytest.mark.django_db

API = "/api/v1"


def team_with(org, name: str, size: int) -> tuple[Team, list]:
    """A team of ``size`` people, the first of them its lead."""
    team = Team.objects.create(organization=org, name=name, slug=name.lower())
    people = add_members(team, org, size, prefix=name.lower())
    Membership.objects.filter(user=people[0], team=team).update(role=Role.LEAD)
    return team, people


def run_pulse(lead, team, answering, *, value: int, k: int | None = None) -> Pulse:
    """Open, answer (each person ``value`` to every statement), close and publish."""
    pulse = open_pulse(lead, team, k=k)
    for user in answering:
        services.pulse_answer(actor=user, pulse=pulse, values=answers_for(pulse, value))
    services.pulse_close(pulse=pulse, actor=lead)
    services.pulse_respond(actor=lead, pulse=pulse, heard="h", plan="p")
    return pulse


TOTAL_ON_INSIGHTS = re.compile(
    r"All shown teams together: ([\d.]+), from (\d+) (?:person|people)\."
)


def visible_aggregates(client, pulses: list[Pulse]) -> tuple[tuple[int, float] | None, dict]:
    """(n, sum) of the organization total, and of every team figure the client can read.

    The insights pages must show no number the overview and the results
    pages do not: the same organization total (or none), and per team the
    same n and mean as the team's results page.
    """
    overview = client.get(f"{API}/organization/pulses").json()
    total = None
    if overview["total_shown"]:
        total = (overview["total_n"], overview["total_mean"] * overview["total_n"])
    insights = client.get(reverse("insights:organization"))
    found = TOTAL_ON_INSIGHTS.search(insights.content.decode())
    if total is None:
        assert found is None
    else:
        assert found is not None
        assert int(found.group(2)) == total[0]
        assert float(found.group(1)) == pytest.approx(overview["total_mean"], abs=0.005)
    figures = insights.context["figures"]
    shown_rows = [row for row in overview["teams"] if row["shown"]]
    assert sorted(figures.team_means) == pytest.approx(sorted(r["mean"] for r in shown_rows))
    assert sum(count for _low, _high, count in figures.bins) == len(shown_rows)
    teams: dict[str, tuple[int, float]] = {}
    for row in overview["teams"]:
        if row["shown"]:
            teams[row["team"]] = (row["n"], row["mean"] * row["n"])
    for pulse in pulses:
        url = f"{API}/teams/{pulse.team.slug}/pulses/{pulse.pk}/results"
        data = client.get(url).json()
        if data.get("shown"):
            teams[pulse.team.name] = (data["n"], data["mean"] * data["n"])
        points = client.get(reverse("insights:team", args=[pulse.team.slug])).context["figures"]
        for point in points.pulses:
            if point.pulse_id != pulse.pk:
                continue
            assert point.shown == bool(data.get("shown"))
            if point.shown:
                assert (point.n, point.mean) == (data["n"], pytest.approx(data["mean"]))
            else:
                assert point.mean is None and point.n == 0
    return total, teams


def assert_no_subtraction_isolates_a_small_group(total, teams, k: int) -> None:
    if total is None:
        return
    names = list(teams)
    for r in range(1, len(names) + 1):
        for combo in itertools.combinations(names, r):
            rest = total[0] - sum(teams[name][0] for name in combo)
            assert rest <= 0 or rest >= k, (
                f"total minus {combo} leaves {rest} people: their mean is "
                f"{(total[1] - sum(teams[n][1] for n in combo)) / rest:.2f}"
            )


def test_no_number_on_any_page_subtracts_to_a_small_group(personas, client_for):
    # Two teams of five and one of two answer; the org admin reads every page.
    # A total made of all three, next to both fives (one of them read on its
    # own results page), would give the two people's exact mean.
    set_k(personas.org, 3)
    pulses = []
    for name, size, value in (("Alpha", 5, 6), ("Bravo", 5, 4), ("Tiny", 2, 1)):
        team, people = team_with(personas.org, name, size)
        pulses.append(run_pulse(people[0], team, people, value=value, k=3))
    total, teams = visible_aggregates(client_for("admin"), pulses)
    assert set(teams) == {"Alpha", "Bravo"}
    assert total is not None and total[0] == 10
    assert_no_subtraction_isolates_a_small_group(total, teams, k=3)


@pytest.mark.parametrize("seed", range(40))
def test_random_organizations_leave_nothing_to_subtract(personas, client_for, seed):
    rng = random.Random(seed)
    k = rng.choice([3, 4, 5])
    set_k(personas.org, k)
    pulses = []
    for g in range(rng.randint(1, 5)):
        size = rng.choice([1, 2, 3, 4, 5, 6, 8])
        team, people = team_with(personas.org, f"T{g}", size)
        answering = people[: rng.randint(0, size)]
        pulses.append(run_pulse(people[0], team, answering, value=rng.randint(1, 7), k=k))
    total, teams = visible_aggregates(client_for("admin"), pulses)
    assert_no_subtraction_isolates_a_small_group(total, teams, k)
    if total is not None:
        assert total[0] == sum(n for n, _s in teams.values())


def test_a_pulse_keeps_the_minimum_it_promised_when_it_opened(personas, client_for):
    set_k(personas.org, 5)
    team, people = team_with(personas.org, "Quartet", 4)
    pulse = run_pulse(people[0], team, people, value=2)
    assert pulse.min_group_size == 5
    # Lowering the organization's setting afterwards reveals nothing.
    set_k(personas.org, 3)
    admin = client_for("admin")
    overview = admin.get(f"{API}/organization/pulses").json()
    assert [row["shown"] for row in overview["teams"]] == [False]
    assert overview["total_shown"] is False
    page = admin.get(reverse("pulse:overview")).content.decode()
    assert "Hidden: fewer people answered than the pulse&#x27;s minimum group size" in page
    results = admin.get(f"{API}/teams/quartet/pulses/{pulse.pk}/results").json()
    assert results["shown"] is False and results["mean"] is None


def test_a_leads_stricter_minimum_holds_on_the_overview_too(personas, client_for):
    set_k(personas.org, 3)
    team, people = team_with(personas.org, "Strict", 5)
    run_pulse(people[0], team, people, value=6, k=6)
    overview = client_for("admin").get(f"{API}/organization/pulses").json()
    assert [row["shown"] for row in overview["teams"]] == [False]
    assert overview["total_shown"] is False


def test_raising_the_setting_before_a_pulse_opens_raises_its_minimum(personas):
    set_k(personas.org, 3)
    team, people = team_with(personas.org, "Later", 4)
    now = timezone.now()
    pulse = services.pulse_schedule(
        actor=people[0],
        team=team,
        instrument="psychological_safety",
        opens_at=now + timedelta(hours=1),
        closes_at=now + timedelta(days=2),
    )
    assert pulse.min_group_size == 3 and not pulse.has_opened
    set_k(personas.org, 4)
    services.pulse_advance_due(now=now + timedelta(hours=2))
    pulse.refresh_from_db()
    assert pulse.has_opened and pulse.min_group_size == 4
    assert sorted(pulse.members_at_open) == sorted(p.pk for p in people)


def test_accounts_added_while_a_pulse_is_open_do_not_count_towards_the_minimum(
    personas, client_for
):
    # A lead and one member; the lead adds two accounts after the pulse
    # opened and answers with all three. Four answers, but only two people
    # who were in the team: showing them would give the member's answer.
    set_k(personas.org, 3)
    team, (lead, member) = team_with(personas.org, "Duo", 2)
    pulse = open_pulse(lead, team, k=3)
    puppets = add_members(team, personas.org, 2, prefix="puppet")
    for user, value in ((lead, 7), (member, 1), *((p, 7) for p in puppets)):
        services.pulse_answer(actor=user, pulse=pulse, values=answers_for(pulse, value))
    services.pulse_close(pulse=pulse, actor=lead)
    pulse.refresh_from_db()
    assert (pulse.participant_count, pulse.counted) == (4, 2)
    results = client_for_user(lead).get(f"{API}/teams/duo/pulses/{pulse.pk}/results").json()
    assert results["shown"] is False and results["mean"] is None and results["counted"] == 2
    page = client_for_user(lead).get(reverse("pulse:results", args=["duo", pulse.pk]))
    text = page.content.decode()
    assert "Only people who were in the team when the pulse opened count" in text
    assert "2 people who joined later also answered" in text


def test_a_close_at_exactly_the_minimum_after_late_joins_is_visible_to_the_team(personas):
    set_k(personas.org, 3)
    team, people = team_with(personas.org, "Watch", 5)
    lead = people[0]
    pulse = open_pulse(lead, team, k=3)
    newcomers = add_members(team, personas.org, 1, prefix="newcomer")
    for user in (*people[:3], *newcomers):
        services.pulse_answer(actor=user, pulse=pulse, values=answers_for(pulse, 4))
    services.pulse_close(pulse=pulse, actor=lead)
    services.pulse_respond(actor=lead, pulse=pulse, heard="h", plan="p")
    member = client_for_user(people[4])
    text = member.get(reverse("pulse:results", args=["watch", pulse.pk])).content.decode()
    assert "closed early, at exactly the minimum, after 1 person joined" in text


def test_the_overview_page_shows_only_teams_that_reached_their_minimum(personas, client_for):
    set_k(personas.org, 3)
    for name, size in (("Big", 5), ("Tiny", 2), ("Third", 4)):
        team, people = team_with(personas.org, name, size)
        run_pulse(people[0], team, people, value=5, k=3)
    page = client_for("admin").get(reverse("pulse:overview")).content.decode()
    assert page.count("Hidden: fewer people answered") == 1
    assert "9 people answered." in page


def client_for_user(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client
