from __future__ import annotations

from django.urls import reverse

from marblejar.teams.models import Membership, Role, Team

URL = reverse("teams:create")


def test_an_admin_creates_a_team_and_becomes_its_lead(client_for, personas):
    response = client_for("admin").post(URL, {"name": " Data   Science ", "description": "ML"})
    team = Team.objects.get(name="Data Science")
    assert response["Location"] == reverse("teams:detail", args=[team.slug])
    assert team.slug == "data-science"
    assert team.organization == personas.org
    assert Membership.objects.get(team=team).user == personas.admin
    assert Membership.objects.get(team=team).role == Role.LEAD


def test_a_duplicate_name_is_refused_next_to_the_field(client_for, personas):
    response = client_for("admin").post(URL, {"name": "platform", "description": "again"})
    assert response.status_code == 200
    assert "There is already a team called" in str(response.context["form"].errors["name"])
    assert "again" in response.text
    assert Team.objects.filter(organization=personas.org).count() == 2


def test_a_name_that_slugifies_to_a_taken_slug_gets_another(client_for, personas):
    client_for("admin").post(URL, {"name": "Platform!"})
    assert Team.objects.get(name="Platform!").slug == "platform-2"


def test_a_blank_name_is_refused(client_for, personas):
    response = client_for("admin").post(URL, {"name": ""})
    assert response.context["form"].errors["name"]


def test_a_lead_may_not_create_teams(client_for, personas):
    assert client_for("lead").post(URL, {"name": "Shadow"}).status_code == 403
    assert not Team.objects.filter(name="Shadow").exists()
