from __future__ import annotations

from django.urls import reverse

URL = reverse("accounts:profile")


def test_it_shows_the_profile(client_for, personas):
    response = client_for("member").get(URL)
    assert response.status_code == 200
    assert personas.member.email in response.text
    assert 'value="Max Member"' in response.text


def test_it_saves_a_new_display_name(client_for, personas):
    response = client_for("member").post(URL, {"display_name": "  Max   M.  "}, follow=True)
    assert "Your profile is saved." in response.text
    personas.member.refresh_from_db()
    assert personas.member.display_name == "Max M."


def test_a_blank_name_is_refused_next_to_the_field(client_for, personas):
    response = client_for("member").post(URL, {"display_name": "   "})
    assert response.status_code == 200
    assert response.context["form"].errors["display_name"]
    personas.member.refresh_from_db()
    assert personas.member.display_name == "Max Member"


def test_a_too_long_name_is_refused_and_kept(client_for, personas):
    response = client_for("member").post(URL, {"display_name": "x" * 81})
    assert response.context["form"].errors["display_name"]
    assert 'value="' + "x" * 81 + '"' in response.text
