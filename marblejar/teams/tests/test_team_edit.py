from __future__ import annotations

from django.urls import reverse

from marblejar.teams.models import Team

URL = reverse("teams:edit", args=["platform"])


def test_a_lead_renames_and_describes_the_team(client_for, personas):
    page = client_for("lead").get(URL)
    assert 'value="Platform"' in page.text
    assert "Delete this team" not in page.text  # only org admins delete
    response = client_for("lead").post(URL, {"name": "Platform Eng", "description": " Infra "})
    assert response["Location"] == reverse("teams:detail", args=["platform"])
    team = Team.objects.get(pk=personas.team.pk)
    assert (team.name, team.description, team.slug) == ("Platform Eng", "Infra", "platform")


def test_a_taken_name_is_refused_and_the_form_keeps_what_was_typed(client_for, personas):
    response = client_for("lead").post(URL, {"name": "Product", "description": "typed"})
    assert response.status_code == 200
    assert "There is already a team called" in str(response.context["form"].errors["name"])
    assert "typed" in response.text
    assert Team.objects.get(pk=personas.team.pk).name == "Platform"


def test_a_member_may_not_edit(client_for, personas):
    assert client_for("member").post(URL, {"name": "Mine"}).status_code == 403
    assert Team.objects.get(pk=personas.team.pk).name == "Platform"


def test_an_admin_sees_the_delete_section(client_for, personas):
    assert "Delete this team" in client_for("admin").get(URL).text
