from __future__ import annotations

from django.urls import reverse

from marblejar.teams.models import Membership, Team

URL = reverse("teams:delete", args=["platform"])


def test_an_admin_deletes_a_team_after_typing_its_name(client_for, personas):
    response = client_for("admin").post(URL, {"confirm_name": "Platform"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("teams:list")
    assert "The team Platform is deleted." in response.text
    assert not Team.objects.filter(pk=personas.team.pk).exists()
    assert not Membership.objects.filter(team_id=personas.team.pk).exists()


def test_a_wrong_name_keeps_the_team(client_for, personas):
    response = client_for("admin").post(URL, {"confirm_name": "platform"}, follow=True)
    assert "name exactly to delete it" in response.text
    assert Team.objects.filter(pk=personas.team.pk).exists()


def test_a_lead_may_not_delete_the_team(client_for, personas):
    assert client_for("lead").post(URL, {"confirm_name": "Platform"}).status_code == 403
    assert Team.objects.filter(pk=personas.team.pk).exists()


def test_the_403_page_is_ours(client_for, personas):
    response = client_for("lead").post(URL, {"confirm_name": "Platform"})
    assert "t do that here" in response.text
    assert "ask a team lead or your organization" in response.text
