from __future__ import annotations

from marblejar.teams.models import Membership, Role


def test_it_lists_a_teams_members_leads_first(api_for, personas):
    data = api_for("member").get("/teams/platform/members").json()
    assert [(m["display_name"], m["role"]) for m in data] == [
        ("Lena Lead", "lead"),
        ("Max Member", "member"),
        ("Mia Member", "member"),
    ]
    assert {m["user_id"] for m in data} == {
        personas.lead.pk,
        personas.member.pk,
        personas.member2.pk,
    }


def test_a_lead_makes_someone_lead(api_for, personas):
    membership = personas.membership(personas.member)
    response = api_for("lead").patch(f"/teams/platform/members/{membership.pk}", {"role": "lead"})
    assert response.status_code == 200
    assert response.json()["role"] == "lead"
    assert personas.membership(personas.member).role == Role.LEAD


def test_an_unknown_role_is_422(api_for, personas):
    membership = personas.membership(personas.member)
    response = api_for("lead").patch(f"/teams/platform/members/{membership.pk}", {"role": "boss"})
    assert response.status_code == 422
    assert response.json()["detail"].startswith("role:")


def test_the_last_lead_cannot_step_down(api_for, personas):
    membership = personas.membership(personas.lead)
    response = api_for("lead").patch(f"/teams/platform/members/{membership.pk}", {"role": "member"})
    assert response.status_code == 400
    assert "A team needs a lead" in response.json()["detail"]


def test_a_member_leaves_and_a_lead_removes(api_for, personas):
    mine = personas.membership(personas.member)
    assert api_for("member").delete(f"/teams/platform/members/{mine.pk}").status_code == 204
    theirs = personas.membership(personas.member2)
    assert api_for("lead").delete(f"/teams/platform/members/{theirs.pk}").status_code == 204
    assert list(
        Membership.objects.filter(team=personas.team).values_list("user_id", flat=True)
    ) == [personas.lead.pk]


def test_a_member_cannot_remove_someone_else(api_for, personas):
    theirs = personas.membership(personas.member2)
    assert api_for("member").delete(f"/teams/platform/members/{theirs.pk}").status_code == 403


def test_a_membership_of_another_team_is_404(api_for, personas):
    other = personas.membership(personas.other, personas.other_team)
    assert api_for("lead").delete(f"/teams/platform/members/{other.pk}").status_code == 404
    assert Membership.objects.filter(pk=other.pk).exists()
