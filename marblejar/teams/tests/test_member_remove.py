from __future__ import annotations

from django.urls import reverse

from marblejar.teams.models import Membership, Role


def url(personas, user):
    return reverse("teams:member_remove", args=["platform", personas.membership(user).pk])


def test_a_lead_removes_a_member(client_for, personas):
    response = client_for("lead").post(url(personas, personas.member), follow=True)
    assert "Max Member is no longer in this team." in response.text
    assert not Membership.objects.filter(user=personas.member, team=personas.team).exists()


def test_a_member_leaves_the_team(client_for, personas):
    response = client_for("member").post(url(personas, personas.member), follow=True)
    assert "You left Platform." in response.text
    assert not Membership.objects.filter(user=personas.member, team=personas.team).exists()


def test_a_member_cannot_remove_someone_else(client_for, personas):
    assert client_for("member").post(url(personas, personas.member2)).status_code == 403
    assert Membership.objects.filter(user=personas.member2, team=personas.team).exists()


def test_the_last_lead_cannot_leave_a_team_with_members(client_for, personas):
    response = client_for("lead").post(url(personas, personas.lead), follow=True)
    assert "A team needs a lead." in response.text
    assert Membership.objects.filter(user=personas.lead, team=personas.team).exists()


def test_the_admin_cannot_remove_the_last_lead_either(client_for, personas):
    client_for("admin").post(url(personas, personas.lead))
    assert Membership.objects.filter(user=personas.lead, team=personas.team).exists()


def test_a_lead_may_leave_once_there_is_another_lead(client_for, personas):
    Membership.objects.filter(user=personas.member).update(role=Role.LEAD)
    client_for("lead").post(url(personas, personas.lead))
    assert not Membership.objects.filter(user=personas.lead, team=personas.team).exists()


def test_a_membership_of_another_team_is_not_found(client_for, personas):
    other = personas.membership(personas.other, personas.other_team)
    response = client_for("lead").post(reverse("teams:member_remove", args=["platform", other.pk]))
    assert response.status_code == 404
    assert Membership.objects.filter(pk=other.pk).exists()
