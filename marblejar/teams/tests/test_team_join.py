from __future__ import annotations

from django.urls import reverse

from marblejar.teams.models import Membership, Role

URL = reverse("teams:join", args=["platform"])


def test_an_admin_joins_a_team_as_lead(client_for, personas):
    response = client_for("admin").post(URL)
    assert response["Location"] == reverse("teams:detail", args=["platform"])
    assert Membership.objects.get(user=personas.admin, team=personas.team).role == Role.LEAD


def test_members_cannot_join_again_and_others_need_an_invitation(client_for, personas):
    assert client_for("lead").post(URL).status_code == 403
    assert client_for("other").post(URL).status_code == 404
    assert not Membership.objects.filter(user=personas.other, team=personas.team).exists()
