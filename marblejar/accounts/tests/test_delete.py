from __future__ import annotations

from django.urls import reverse

from marblejar.accounts.models import Organization, User
from marblejar.teams.models import Membership, Role
from marblejar.test import PASSWORD

URL = reverse("accounts:delete")


def test_it_deletes_my_account_and_logs_me_out(client_for, personas):
    client = client_for("member")
    response = client.post(URL, {"password": PASSWORD}, follow=True)
    assert "Your account and your data are deleted." in response.text
    assert not User.objects.filter(pk=personas.member.pk).exists()
    assert not Membership.objects.filter(user_id=personas.member.pk).exists()
    assert client.get(reverse("accounts:profile")).status_code == 302


def test_a_wrong_password_keeps_the_account(client_for, personas):
    response = client_for("member").post(URL, {"password": "wrong"})
    assert response.status_code == 200
    assert response.context["form"].errors["password"]
    assert User.objects.filter(pk=personas.member.pk).exists()


def test_the_last_lead_of_a_team_with_members_must_hand_over_first(client_for, personas):
    response = client_for("lead").post(URL, {"password": PASSWORD})
    assert response.status_code == 200
    assert "You are the only lead of Platform" in response.text
    assert User.objects.filter(pk=personas.lead.pk).exists()


def test_a_lead_with_another_lead_beside_them_can_go(client_for, personas):
    Membership.objects.filter(user=personas.member).update(role=Role.LEAD)
    client_for("lead").post(URL, {"password": PASSWORD})
    assert not User.objects.filter(pk=personas.lead.pk).exists()


def test_the_only_admin_must_hand_over_first(client_for, personas):
    response = client_for("admin").post(URL, {"password": PASSWORD})
    assert "You are the only organization admin" in response.text
    assert User.objects.filter(pk=personas.admin.pk).exists()


def test_the_last_person_of_an_organization_takes_it_with_them(client_for, personas):
    client_for("outsider").post(URL, {"password": PASSWORD})
    assert not Organization.objects.filter(pk=personas.other_org.pk).exists()
    assert Organization.objects.filter(pk=personas.org.pk).exists()
