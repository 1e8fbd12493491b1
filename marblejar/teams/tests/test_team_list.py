from __future__ import annotations

from django.urls import reverse

from marblejar.teams.tests.helpers import add_members, add_teams, count_queries

URL = reverse("teams:list")


def test_a_member_sees_only_their_teams(client_for, personas):
    page = client_for("member").get(URL)
    assert [t.slug for t in page.context["teams"]] == ["platform"]
    assert "3 people" in page.text
    assert page.context["form"] is None
    assert "Ask a team lead" not in page.text


def test_an_admin_sees_every_team_of_the_organization_and_may_create(client_for, personas):
    page = client_for("admin").get(URL)
    assert [t.slug for t in page.context["teams"]] == ["platform", "product"]
    assert page.context["form"] is not None
    assert "Globex" not in page.text


def test_someone_in_no_team_is_told_how_to_join(client_for, personas):
    personas.member.memberships.all().delete()
    page = client_for("member").get(URL)
    assert "You are not in a team yet" in page.text


def test_its_queries_do_not_grow_with_teams_or_members(client_for, personas):
    client = client_for("member")
    add_teams(personas.org, personas.member, 2)
    small = count_queries(lambda: client.get(URL))
    add_teams(personas.org, personas.member, 30)
    add_members(personas.team, 30)
    large = count_queries(lambda: client.get(URL))
    assert large == small
