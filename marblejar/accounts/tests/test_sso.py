"""Single sign-on against a real OpenID Connect provider on loopback.

Marblejar (through the Django test client) is pointed at the test provider's
discovery URL; the provider's own log-in page is filled in over HTTP, and the
redirect it answers with is followed back into Marblejar, as a browser would.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY, SESSION_KEY
from django.test import Client
from django.urls import reverse

from marblejar.accounts import sso
from marblejar.accounts.models import User
from marblejar.test import PASSWORD
from tests_e2e.oidc_provider import oidc_provider, sign_in_at_provider  # noqa: F401

pytestmark = pytest.mark.slow


@pytest.fixture
def configured(oidc_provider, settings):  # noqa: F811
    for name, value in oidc_provider.settings(OIDC_ALLOWED_DOMAINS={"acme.test": "Acme"}).items():
        setattr(settings, name, value)
    return oidc_provider


def start(client: Client, next_url: str = "") -> str:
    """Press "Sign in with …": the address Marblejar sends the browser to."""
    response = client.get(reverse("accounts:sso_start"), {"next": next_url} if next_url else {})
    assert response.status_code == 302, response.content
    return response["Location"]


def come_back(client: Client, callback_url: str):
    parts = urlsplit(callback_url)
    assert parts.path == reverse("accounts:sso_callback")
    return client.get(f"{parts.path}?{parts.query}")


def sign_in(client: Client, username: str, next_url: str = ""):
    return come_back(client, sign_in_at_provider(start(client, next_url), username))


def logged_in_user(client: Client) -> User | None:
    user_id = client.session.get(SESSION_KEY)
    return User.objects.get(pk=user_id) if user_id else None


def test_the_log_in_page_offers_the_provider_only_when_configured(client, personas, settings):
    settings.OIDC_DISCOVERY_URL = ""
    assert "Sign in with" not in client.get(reverse("accounts:login")).text
    assert client.get(reverse("accounts:sso_start")).status_code == 404
    settings.OIDC_DISCOVERY_URL = "http://127.0.0.1:9/.well-known/openid-configuration"
    settings.OIDC_CLIENT_ID = "x"
    settings.OIDC_PROVIDER_NAME = "Acme ID"
    page = client.get(reverse("accounts:login")).text
    assert "Sign in with Acme ID" in page
    assert f'href="{reverse("accounts:sso_start")}"' in page


def test_a_new_person_at_an_allowed_domain_joins_the_organization(client, personas, configured):
    authorize = start(client)
    # Authorization code flow with PKCE, state and nonce, at the provider's endpoint.
    query = parse_qs(urlsplit(authorize).query)
    assert authorize.startswith(configured.issuer + "/authorize/")
    assert query["response_type"] == ["code"]
    assert query["code_challenge_method"] == ["S256"]
    assert set(query["scope"][0].split()) == {"openid", "email", "profile"}
    assert query["state"] and query["nonce"]

    response = come_back(client, sign_in_at_provider(authorize, "nina"))

    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    nina = User.objects.get(email="nina@acme.test")
    assert logged_in_user(client) == nina
    assert nina.organization == personas.org
    assert nina.display_name == "Nina Newcomer"
    assert not nina.is_org_admin
    assert not nina.has_usable_password()
    assert client.session[BACKEND_SESSION_KEY] == sso.BACKEND
    assert client.get(reverse("teams:list")).status_code == 200


def test_an_existing_account_is_matched_by_its_verified_address(client, personas, configured):
    before = User.objects.count()
    response = sign_in(client, "max", next_url="/account/")
    assert response.status_code == 302
    assert response["Location"] == "/account/"
    assert logged_in_user(client) == personas.member
    assert User.objects.count() == before
    # The name Max chose in Marblejar stays.
    personas.member.refresh_from_db()
    assert personas.member.display_name == "Max Member"


def test_an_unverified_address_is_refused(client, personas, configured):
    response = sign_in(client, "una")
    assert response.status_code == 403
    assert "has not verified your e-mail address una@acme.test" in response.text
    assert logged_in_user(client) is None
    assert not User.objects.filter(email="una@acme.test").exists()


def test_an_unverified_address_does_not_open_an_existing_account(client, personas, configured):
    User.objects.create_user(
        "una@acme.test", PASSWORD, display_name="Una", organization=personas.org
    )
    response = sign_in(client, "una")
    assert response.status_code == 403
    assert logged_in_user(client) is None


def test_a_domain_that_is_not_allowed_is_refused_with_a_clear_message(client, personas, configured):
    response = sign_in(client, "wanda")
    assert response.status_code == 403
    assert (
        "Addresses at elsewhere.test may not join this Marblejar through Test ID" in response.text
    )
    assert "invitation" in response.text
    assert logged_in_user(client) is None
    assert not User.objects.filter(email="wanda@elsewhere.test").exists()


def test_an_organizations_open_sign_up_domain_lets_new_people_join_it(
    client, personas, configured, settings
):
    settings.OIDC_ALLOWED_DOMAINS = {}
    personas.other_org.open_signup_domain = "elsewhere.test"
    personas.other_org.save()
    response = sign_in(client, "wanda")
    assert response.status_code == 302
    assert User.objects.get(email="wanda@elsewhere.test").organization == personas.other_org


def test_a_bare_allowed_domain_joins_only_an_only_organization(
    client, personas, configured, settings
):
    # Acme and Globex both exist: "acme.test" alone does not say which one.
    settings.OIDC_ALLOWED_DOMAINS = {"acme.test": ""}
    assert sign_in(client, "nina").status_code == 403
    User.objects.filter(organization=personas.other_org).delete()
    personas.other_org.delete()
    assert sign_in(Client(), "nina").status_code == 302
    assert User.objects.get(email="nina@acme.test").organization == personas.org


def test_a_state_that_was_not_issued_to_this_browser_is_refused(client, personas, configured):
    callback = sign_in_at_provider(start(client), "nina")
    # Another browser, which never started a sign-in, is handed the code.
    stranger = Client()
    response = come_back(stranger, callback)
    assert response.status_code == 400
    assert "not started in this browser" in response.text
    assert logged_in_user(stranger) is None
    # A state changed on the way back is refused as well.
    parts = urlsplit(callback)
    query = parse_qs(parts.query)
    tampered = f"{parts.path}?code={query['code'][0]}&state=forged"
    assert client.get(tampered).status_code == 400
    assert logged_in_user(client) is None


def test_a_callback_is_good_once(client, personas, configured):
    callback = sign_in_at_provider(start(client), "nina")
    assert come_back(client, callback).status_code == 302
    client.logout()
    assert come_back(client, callback).status_code == 400


def test_an_id_token_for_another_nonce_is_refused(client, personas, configured):
    authorize = start(client)
    state = parse_qs(urlsplit(authorize).query)["state"][0]
    # The nonce Marblejar expects is kept with the state; the provider signs
    # the one it was sent. Expecting another stands for an ID token issued to
    # another sign-in (a replayed or injected token).
    session = client.session
    key = f"_state_oidc_{state}"
    saved = session[key]
    saved["data"]["nonce"] = "not-the-nonce-the-provider-was-sent"
    session[key] = saved
    session.save()
    response = come_back(client, sign_in_at_provider(authorize, "nina"))
    assert response.status_code == 400
    assert "did not pass Marblejar" in response.text
    assert logged_in_user(client) is None
    assert not User.objects.filter(email="nina@acme.test").exists()


def test_a_code_from_another_sign_in_is_refused(client, personas, configured):
    # An attacker signs in as themselves and slips their code into the
    # victim's sign-in: the PKCE verifier and the nonce belong to the victim's.
    attacker = Client()
    attacker_callback = sign_in_at_provider(start(attacker), "wanda")
    victim_authorize = start(client)
    victim_state = parse_qs(urlsplit(victim_authorize).query)["state"][0]
    code = parse_qs(urlsplit(attacker_callback).query)["code"][0]
    response = client.get(f"{reverse('accounts:sso_callback')}?code={code}&state={victim_state}")
    assert response.status_code == 400
    assert logged_in_user(client) is None


def test_an_error_from_the_provider_is_shown_not_a_server_error(client, personas, configured):
    authorize = start(client)
    state = parse_qs(urlsplit(authorize).query)["state"][0]
    response = client.get(f"{reverse('accounts:sso_callback')}?error=access_denied&state={state}")
    assert response.status_code == 400
    assert "Start again from the log-in page" in response.text


def test_a_provider_that_does_not_answer_is_explained(client, personas, settings):
    settings.OIDC_DISCOVERY_URL = "http://127.0.0.1:9/.well-known/openid-configuration"
    settings.OIDC_CLIENT_ID = "x"
    settings.OIDC_PROVIDER_NAME = "Acme ID"
    response = client.get(reverse("accounts:sso_start"))
    assert response.status_code == 502
    assert "Acme ID did not answer" in response.text


def test_password_log_in_still_works_and_is_still_throttled(client, personas, configured):
    for _ in range(5):
        client.post(reverse("accounts:login"), {"username": "max@acme.test", "password": "x"})
    response = client.post(
        reverse("accounts:login"), {"username": "max@acme.test", "password": PASSWORD}
    )
    assert response.status_code == 429
    # Single sign-on is the provider's check, not a password guess: it still works.
    assert sign_in(Client(), "max").status_code == 302


def test_the_discovery_document_is_read_once(client, personas, configured):
    sso._client_for.cache_clear()
    sign_in(Client(), "nina")
    metadata = sso.client().server_metadata
    loaded_at = metadata["_loaded_at"]
    assert "jwks" in metadata  # the signing keys are kept too
    sign_in(Client(), "max")
    assert sso.client().server_metadata["_loaded_at"] == loaded_at
    json.dumps(metadata["jwks"])


def test_the_deployment_check_reads_the_discovery_document(configured, settings):
    from marblejar.lib.deploycheck import check_single_sign_on

    sso._client_for.cache_clear()
    result = check_single_sign_on()
    assert result.ok
    assert f"issuer {configured.issuer}" in result.detail
    assert "/login/sso/callback/" in result.detail
    settings.OIDC_DISCOVERY_URL = "http://127.0.0.1:9/.well-known/openid-configuration"
    result = check_single_sign_on()
    assert not result.ok and "cannot read" in result.detail
