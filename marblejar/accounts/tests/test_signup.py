from __future__ import annotations

from pathlib import Path

from django.core.management import call_command
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


# After the first organization: what sign-up offers, and that the README says the same.

README = Path(__file__).resolve().parents[3] / "README.md"


def test_after_the_demo_sign_up_says_exactly_what_to_do(client, db, capsys):
    call_command("demo")
    page = client.get(URL)
    assert page.status_code == 200
    text = page.text
    assert "Joining needs an invitation" in text
    assert "Ask a team lead or your organization's admin to invite you." in text
    assert (
        f'<a href="{reverse("accounts:login")}">Log in</a>, if you already have an account.' in text
    )
    # Someone trying the demo is told how to get in ...
    assert "<strong>ada@demo.marblejar.org</strong>" in text
    assert "<strong>marblejar-demo</strong>" in text
    # ... and whoever runs it, how to get an organization of their own.
    assert "<code>MARBLEJAR_NEW_ORGANIZATIONS=1</code>" in text
    assert "<form" not in text.split('id="main"')[1]


def test_without_the_demo_the_page_names_no_demo_account(client, personas):
    assert "demo.marblejar.org" not in client.get(URL).text


def test_an_operator_lets_people_create_another_organization(client, personas, settings):
    settings.NEW_ORGANIZATIONS = True
    page = client.get(URL)
    assert "Create an organization" in page.text
    assert 'name="organization_name"' in page.text
    response = client.post(URL, body(organization_name="Initech"))
    assert response.status_code == 302
    user = User.objects.get(email="fran@initech.test")
    assert user.is_org_admin
    assert user.organization.name == "Initech"
    assert user.organization not in (personas.org, personas.other_org)
    assert Organization.objects.count() == 3


def test_with_new_organizations_a_name_is_needed_unless_the_domain_is_open(
    client, personas, settings
):
    settings.NEW_ORGANIZATIONS = True
    refused = client.post(URL, body(organization_name="  "))
    assert refused.status_code == 200
    assert refused.context["form"].errors["organization_name"] == ["Name your new organization."]
    assert 'value="fran@initech.test"' in refused.text
    personas.org.open_signup_domain = "initech.test"
    personas.org.save()
    page = client.get(URL)
    assert "Leave it empty to join your organization with your work e-mail address." in page.text
    joined = client.post(URL, body(organization_name=""))
    assert joined.status_code == 302
    user = User.objects.get(email="fran@initech.test")
    assert user.organization == personas.org and not user.is_org_admin


def test_the_readme_tells_what_the_sign_up_page_does(client, db, capsys):
    readme = README.read_text()
    call_command("demo")
    page = client.get(URL).text
    # The first steps after `make run DEMO=1` ...
    assert "Joining needs an invitation" in page and "“Joining needs an invitation”" in readme
    assert "MARBLEJAR_NEW_ORGANIZATIONS=1" in page and "MARBLEJAR_NEW_ORGANIZATIONS=1" in readme
    # ... and the setting in the configuration table.
    assert "| `MARBLEJAR_NEW_ORGANIZATIONS` | `0` |" in readme
