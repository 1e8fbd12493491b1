from __future__ import annotations


def test_it_says_who_i_am(api_for, personas):
    data = api_for("lead").get("/me").json()
    assert data == {
        "id": personas.lead.pk,
        "email": "lena@acme.test",
        "display_name": "Lena Lead",
        "is_org_admin": False,
        "organization": {"id": personas.org.pk, "name": "Acme", "open_signup_domain": ""},
        "teams": [{"slug": "platform", "name": "Platform", "role": "lead"}],
    }


def test_it_changes_my_display_name(api_for, personas):
    response = api_for("member").patch("/me", {"display_name": "  Max  M. "})
    assert response.status_code == 200
    assert response.json()["display_name"] == "Max M."
    personas.member.refresh_from_db()
    assert personas.member.display_name == "Max M."


def test_a_blank_name_is_400_with_a_detail(api_for, personas):
    response = api_for("member").patch("/me", {"display_name": "   "})
    assert response.status_code == 400
    body = response.json()
    assert body["detail"] == "Tell your teammates what to call you."
    assert body["errors"] == {"display_name": ["Tell your teammates what to call you."]}


def test_a_missing_field_is_422_with_a_detail(api_for):
    response = api_for("member").patch("/me", {})
    assert response.status_code == 422
    body = response.json()
    assert body["detail"].startswith("display_name:")
    assert "display_name" in body["errors"]


def test_an_account_outside_any_organization_gets_an_answer_not_a_500(db, client):
    from marblejar.accounts.models import User

    loner = User.objects.create_superuser("root@example.test", "x", display_name="Root")
    client.force_login(loner)
    response = client.get("/api/v1/me")
    assert response.status_code == 200
    assert response.json()["organization"] is None
    assert client.get("/api/v1/organization").status_code == 403
    assert client.get("/api/v1/teams").json() == []
