from __future__ import annotations


def test_anyone_in_the_organization_reads_it(api_for, personas):
    data = api_for("member").get("/organization").json()
    assert data == {"id": personas.org.pk, "name": "Acme", "open_signup_domain": ""}


def test_the_admin_changes_it(api_for, personas):
    response = api_for("admin").patch(
        "/organization", {"name": "Acme Ltd", "open_signup_domain": "ACME.test"}
    )
    assert response.status_code == 200
    assert response.json()["open_signup_domain"] == "acme.test"
    personas.org.refresh_from_db()
    assert personas.org.name == "Acme Ltd"


def test_a_bad_domain_is_400(api_for):
    response = api_for("admin").patch("/organization", {"name": "Acme", "open_signup_domain": "x"})
    assert response.status_code == 400
    assert response.json()["errors"]["open_signup_domain"]


def test_a_lead_may_not_change_it(api_for, personas):
    response = api_for("lead").patch("/organization", {"name": "Mine"})
    assert response.status_code == 403
    assert response.json()["detail"] == "You do not have permission to do that."
    personas.org.refresh_from_db()
    assert personas.org.name == "Acme"
