from __future__ import annotations

from django.urls import reverse

from marblejar.accounts.models import Organization, User

URL = reverse("accounts:signup")
PASSWORD = "a long and unusual passphrase"


def body(**extra):
    return {
        "display_name": "Fran First",
        "email": "fran@initech.test",
        "password": PASSWORD,
    } | extra


def test_the_first_person_creates_the_organization_and_becomes_its_admin(client, db):
    page = client.get(URL)
    assert page.status_code == 200
    assert "Create your organization" in page.text
    response = client.post(URL, body(organization_name="  Initech  "))
    assert response.status_code == 302
    user = User.objects.get(email="fran@initech.test")
    assert user.is_org_admin
    assert user.organization.name == "Initech"
    # Logged in straight away: home sends a person without a team to the team list.
    assert client.get(reverse("home"))["Location"] == reverse("teams:list")


def test_home_sends_the_first_visitor_to_sign_up(client, db):
    assert client.get(reverse("home"))["Location"] == URL


def test_the_first_person_must_name_the_organization(client, db):
    response = client.post(URL, body(organization_name=""))
    assert response.status_code == 200
    assert response.context["form"].errors["organization_name"]
    assert not Organization.objects.exists()


def test_a_second_sign_up_without_an_invitation_is_refused(client, personas):
    page = client.get(URL)
    assert "Joining needs an invitation" in page.text
    response = client.post(URL, body())
    assert response.status_code == 200
    assert "Ask a team lead or your organization" in response.text
    assert not User.objects.filter(email="fran@initech.test").exists()
    assert Organization.objects.count() == 2  # no new organization either


def test_an_open_sign_up_domain_lets_its_addresses_in(client, personas):
    personas.org.open_signup_domain = "acme.test"
    personas.org.save()
    response = client.post(URL, body(email="Nora@ACME.test"))
    assert response.status_code == 302
    user = User.objects.get(email="nora@acme.test")
    assert user.organization == personas.org
    assert not user.is_org_admin


def test_an_open_sign_up_domain_refuses_other_domains(client, personas):
    personas.org.open_signup_domain = "acme.test"
    personas.org.save()
    response = client.post(URL, body(email="eve@evil.test"))
    assert response.status_code == 200
    assert "open only to addresses at the organization" in str(
        response.context["form"].errors["email"]
    )
    assert not User.objects.filter(email="eve@evil.test").exists()


def test_the_form_keeps_what_was_typed_and_shows_errors_by_the_field(client, db):
    response = client.post(
        URL, body(organization_name="Initech", display_name="Fran", password="123")
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["password"]
    assert 'value="Initech"' in response.text
    assert 'value="fran@initech.test"' in response.text
    assert 'value="Fran"' in response.text
    assert 'class="field has-error"' in response.text
    assert 'aria-invalid="true"' in response.text


def test_it_refuses_an_address_that_already_has_an_account(client, personas):
    personas.org.open_signup_domain = "acme.test"
    personas.org.save()
    response = client.post(URL, body(email="MAX@acme.test"))
    assert response.status_code == 200
    assert "already an account" in str(response.context["form"].errors["email"])


def test_a_logged_in_person_is_sent_home(client_for):
    assert client_for("member").get(URL)["Location"] == reverse("home")
