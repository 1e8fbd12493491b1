from __future__ import annotations

from marblejar.teams.models import Membership, Team
from marblejar.teams.tests.helpers import add_members, add_teams, count_queries


def test_it_lists_the_teams_i_can_see_with_their_size_and_my_role(api_for, personas):
    data = api_for("member").get("/teams").json()
    assert [(t["slug"], t["member_count"], t["my_role"]) for t in data] == [
        ("platform", 3, "member")
    ]
    admin = api_for("admin").get("/teams").json()
    assert [(t["slug"], t["member_count"], t["my_role"]) for t in admin] == [
        ("platform", 3, None),
        ("product", 1, None),
    ]


def test_it_shows_one_team(api_for, personas):
    data = api_for("lead").get("/teams/platform").json()
    assert data["name"] == "Platform"
    assert data["member_count"] == 3
    assert data["my_role"] == "lead"


def test_a_team_i_cannot_see_is_404(api_for, personas):
    response = api_for("other").get("/teams/platform")
    assert response.status_code == 404
    assert response.json()["detail"] == "Not found, or not visible to you."
    assert api_for("lead").get("/teams/no-such-team").status_code == 404


def test_an_admin_creates_a_team(api_for, personas):
    response = api_for("admin").post("/teams", {"name": "Research", "description": "R&D"})
    assert response.status_code == 201
    data = response.json()
    assert (data["slug"], data["member_count"], data["my_role"]) == ("research", 1, "lead")


def test_a_duplicate_team_name_is_400(api_for, personas):
    response = api_for("admin").post("/teams", {"name": "PLATFORM"})
    assert response.status_code == 400
    assert "already a team" in response.json()["detail"]


def test_a_lead_cannot_create_a_team(api_for, personas):
    response = api_for("lead").post("/teams", {"name": "Shadow"})
    assert response.status_code == 403
    assert not Team.objects.filter(name="Shadow").exists()


def test_a_lead_renames_the_team(api_for, personas):
    response = api_for("lead").patch("/teams/platform", {"name": "Platform Eng"})
    assert response.status_code == 200
    assert response.json()["name"] == "Platform Eng"
    assert response.json()["slug"] == "platform"


def test_a_member_cannot_rename_the_team(api_for, personas):
    assert api_for("member").patch("/teams/platform", {"name": "Mine"}).status_code == 403


def test_only_the_admin_deletes_a_team(api_for, personas):
    assert api_for("lead").delete("/teams/platform").status_code == 403
    assert api_for("admin").delete("/teams/platform").status_code == 204
    assert not Team.objects.filter(pk=personas.team.pk).exists()
    assert not Membership.objects.filter(team_id=personas.team.pk).exists()


def test_the_team_list_queries_do_not_grow_with_teams_or_members(api_for, personas):
    client = api_for("member")
    client.get("/me")  # the token's first use of the minute records it: one more query
    add_teams(personas.org, personas.member, 2)
    small = count_queries(lambda: client.get("/teams"))
    add_teams(personas.org, personas.member, 30)
    add_members(personas.team, 30)
    large = count_queries(lambda: client.get("/teams"))
    assert large == small


def test_the_member_list_queries_do_not_grow_with_members(api_for, personas):
    client = api_for("member")
    client.get("/me")
    small = count_queries(lambda: client.get("/teams/platform/members"))
    add_members(personas.team, 30)
    large = count_queries(lambda: client.get("/teams/platform/members"))
    assert large == small
