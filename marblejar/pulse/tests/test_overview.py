"""The organization overview: suppression of small and derivable groups."""

from __future__ import annotations

import itertools
import random

import pytest
from django.urls import reverse

from marblejar.pulse import services
from marblejar.pulse.selectors import suppress_groups
from marblejar.pulse.tests.factories import add_members, answers_for, open_pulse, set_k
from marblejar.teams.models import Membership, Role, Team


def groups_of(sizes: dict[int, int]) -> dict[str, set[tuple[int, int]]]:
    """Each team's respondents as a set, and the organization total as their union."""
    teams = {f"team {g}": {(g, i) for i in range(n)} for g, n in sizes.items()}
    return teams | {"total": set().union(*teams.values()) if teams else set()}


@pytest.mark.parametrize("seed", range(300))
def test_no_pair_of_shown_groups_subtracts_to_fewer_than_k_people(seed):
    rng = random.Random(seed)
    k = rng.choice([3, 4, 5, 7])
    sizes = {g: rng.choice([0, 1, 2, 3, 4, 5, 6, 8, 12, 30]) for g in range(rng.randint(1, 9))}
    shown, total_shown = suppress_groups(sizes, k=k)
    groups = groups_of(sizes)
    visible = {f"team {g}": groups[f"team {g}"] for g in shown}
    if total_shown:
        visible["total"] = groups["total"]
    for name, members in visible.items():
        assert len(members) >= k, name
    # Brute force: every pair of shown groups, and what subtracting one from the other leaves.
    for (a, ga), (b, gb) in itertools.permutations(visible.items(), 2):
        rest = ga - gb
        assert len(rest) == 0 or len(rest) >= k, (a, b, len(rest), sizes, k)
    # And the total minus every combination of shown teams.
    if total_shown:
        teams = [g for n, g in visible.items() if n != "total"]
        for r in range(1, len(teams) + 1):
            for combo in itertools.combinations(teams, r):
                rest = groups["total"] - set().union(*combo)
                assert len(rest) == 0 or len(rest) >= k, (sizes, k, r)


def test_a_lone_small_team_is_protected_by_hiding_another():
    # Total 5 + 5 + 2 = 12; showing both fives and the total would reveal the two.
    shown, total_shown = suppress_groups({1: 5, 2: 5, 3: 2}, k=3)
    assert total_shown and shown == {2} or shown == {1}
    shown, total_shown = suppress_groups({1: 5, 2: 2}, k=3)
    assert shown == set() and total_shown


@pytest.mark.django_db
def test_the_overview_page_hides_small_teams(personas, client_for):
    set_k(personas.org, 3)
    big = add_members(personas.team, personas.org, 4)
    small_team = Team.objects.create(organization=personas.org, name="Tiny", slug="tiny")
    tiny = add_members(small_team, personas.org, 2, prefix="tiny")
    Membership.objects.filter(user=tiny[0], team=small_team).update(role=Role.LEAD)
    third = Team.objects.create(organization=personas.org, name="Third", slug="third")
    trio = add_members(third, personas.org, 4, prefix="trio")
    Membership.objects.filter(user=trio[0], team=third).update(role=Role.LEAD)
    for lead, team, people in (
        (personas.lead, personas.team, big),
        (tiny[0], small_team, tiny),
        (trio[0], third, trio),
    ):
        pulse = open_pulse(lead, team, k=3)
        for user in people:
            services.pulse_answer(actor=user, pulse=pulse, values=answers_for(pulse, 5))
        services.pulse_close(pulse=pulse, actor=lead)
        services.pulse_respond(actor=lead, pulse=pulse, heard="h", plan="p")
    page = client_for("admin").get(reverse("pulse:overview")).content.decode()
    # Tiny (2) is hidden; then total minus the two shown teams would be Tiny: hide one more.
    assert page.count("Hidden: fewer than 3 people") == 2
    assert "10 people answered." in page
