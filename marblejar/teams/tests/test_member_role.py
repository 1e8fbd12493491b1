from __future__ import annotations

from django.urls import reverse

from marblejar.teams.models import Role


def url(personas, user):
    return reverse("teams:member_role", args=["platform", personas.membership(user).pk])


def test_a_lead_makes_a_member_lead(client_for, personas):
    response = client_for("lead").post(
        url(personas, personas.member), {"role": "lead"}, follow=True
    )
    assert "Max Member is now a lead." in response.text
    assert personas.membership(personas.member).role == Role.LEAD


def test_the_last_lead_cannot_step_down(client_for, personas):
    response = client_for("lead").post(
        url(personas, personas.lead), {"role": "member"}, follow=True
    )
    assert "A team needs a lead." in response.text
    assert personas.membership(personas.lead).role == Role.LEAD


def test_a_lead_may_step_down_when_another_lead_exists(client_for, personas):
    client_for("lead").post(url(personas, personas.member), {"role": "lead"})
    client_for("lead").post(url(personas, personas.lead), {"role": "member"})
    assert personas.membership(personas.lead).role == Role.MEMBER


def test_an_unknown_role_is_refused(client_for, personas):
    response = client_for("lead").post(
        url(personas, personas.member), {"role": "boss"}, follow=True
    )
    assert "Choose lead or member." in response.text
    assert personas.membership(personas.member).role == Role.MEMBER


def test_a_member_may_not_change_roles(client_for, personas):
    assert (
        client_for("member").post(url(personas, personas.member), {"role": "lead"}).status_code
        == 403
    )
    assert personas.membership(personas.member).role == Role.MEMBER
