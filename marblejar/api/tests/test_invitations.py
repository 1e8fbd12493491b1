from __future__ import annotations

from django.conf import settings

from marblejar.teams.models import Invitation, Membership


def test_a_lead_creates_a_link_invitation(api_for, personas, mailoutbox):
    response = api_for("lead").post("/teams/platform/invitations", {"role": "lead"})
    assert response.status_code == 201
    data = response.json()
    assert data["status"] == "pending"
    assert data["role"] == "lead"
    assert data["url"].startswith(settings.SITE_URL + "/join/")
    assert mailoutbox == []


def test_a_lead_invites_by_email(api_for, personas, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api_for("lead").post("/teams/platform/invitations", {"email": "n@acme.test"})
    assert response.status_code == 201
    assert mailoutbox[0].to == ["n@acme.test"]
    assert response.json()["url"] in mailoutbox[0].body


def test_a_bad_address_is_400_with_a_detail(api_for, personas):
    response = api_for("lead").post("/teams/platform/invitations", {"email": "nope"})
    assert response.status_code == 400
    assert response.json()["errors"] == {"email": ["Enter a valid e-mail address."]}
    assert not Invitation.objects.exists()


def test_it_lists_and_withdraws_invitations(api_for, personas):
    client = api_for("lead")
    created = client.post("/teams/platform/invitations", {}).json()
    listed = client.get("/teams/platform/invitations").json()
    assert [i["id"] for i in listed] == [created["id"]]
    assert "url" not in listed[0]
    assert client.delete(f"/teams/platform/invitations/{created['id']}").status_code == 204
    assert client.get("/teams/platform/invitations").json()[0]["status"] == "revoked"


def test_a_member_cannot_see_or_create_invitations(api_for, personas):
    client = api_for("member")
    assert client.get("/teams/platform/invitations").status_code == 403
    assert client.post("/teams/platform/invitations", {}).status_code == 403


def test_accepting_joins_the_team_once(api_for, personas):
    url = api_for("lead").post("/teams/platform/invitations", {}).json()["url"]
    token = url.rstrip("/").rsplit("/", 1)[-1]
    response = api_for("other").post("/invitations/accept", {"token": token})
    assert response.status_code == 200
    assert response.json() == {"team": "platform"}
    assert Membership.objects.filter(user=personas.other, team=personas.team).exists()
    again = api_for("admin").post("/invitations/accept", {"token": token})
    assert again.status_code == 400
    assert "already been used" in again.json()["detail"]


def test_an_unknown_token_is_400_with_a_detail(api_for, personas):
    response = api_for("other").post("/invitations/accept", {"token": "nope"})
    assert response.status_code == 400
    assert "not valid" in response.json()["detail"]
