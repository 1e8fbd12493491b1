from __future__ import annotations

from django.urls import reverse

URL = reverse("teams:organization")


def test_the_admin_sees_people_and_teams_of_the_organization(client_for, personas):
    page = client_for("admin").get(URL)
    assert page.status_code == 200
    for name in ("Lena Lead", "Otto Other", "Platform", "Product"):
        assert name in page.text
    assert "Olga" not in page.text


def test_the_admin_saves_the_name_and_open_sign_up_domain(client_for, personas):
    response = client_for("admin").post(
        URL, {"name": "Acme Ltd", "open_signup_domain": "@Acme.TEST "}, follow=True
    )
    assert "Organization settings saved." in response.text
    personas.org.refresh_from_db()
    assert (personas.org.name, personas.org.open_signup_domain) == ("Acme Ltd", "acme.test")


def test_a_bad_domain_is_refused_next_to_the_field_and_kept(client_for, personas):
    response = client_for("admin").post(URL, {"name": "Acme", "open_signup_domain": "acme"})
    assert response.status_code == 200
    assert response.context["form"].errors["open_signup_domain"]
    assert 'value="acme"' in response.text
    personas.org.refresh_from_db()
    assert personas.org.open_signup_domain == ""


def test_only_admins_see_the_settings(client_for, personas):
    assert client_for("lead").get(URL).status_code == 403
    assert client_for("lead").post(URL, {"name": "Mine"}).status_code == 403
    personas.org.refresh_from_db()
    assert personas.org.name == "Acme"
