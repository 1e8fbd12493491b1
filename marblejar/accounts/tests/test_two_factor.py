"""Two-factor sign-in, with codes computed here per RFC 6238 (not by django-otp)."""

from __future__ import annotations

import hashlib
import hmac
import re
import struct
import time
from base64 import b32decode

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from marblejar.accounts.models import User
from marblejar.test import PASSWORD

LOGIN = reverse("accounts:login")
CODE = reverse("accounts:login_code")
SETUP = reverse("accounts:two_factor")


def totp(secret_b32: str, *, at: float | None = None, step: int = 30, digits: int = 6) -> str:
    """RFC 6238 (HMAC-SHA1, 30-second steps), from the base32 key a person types into an app."""
    key = b32decode(secret_b32.replace(" ", "") + "=" * (-len(secret_b32.replace(" ", "")) % 8))
    counter = int((time.time() if at is None else at) // step)
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(value % 10**digits).zfill(digits)


def test_the_rfc_6238_reference_values():
    # RFC 6238, appendix B (SHA-1, 8 digits), secret "12345678901234567890".
    from base64 import b32encode

    secret = b32encode(b"12345678901234567890").decode()
    assert totp(secret, at=59, digits=8) == "94287082"
    assert totp(secret, at=1111111109, digits=8) == "07081804"
    assert totp(secret, at=2000000000, digits=8) == "69279037"


def set_up(client: Client) -> tuple[str, list[str]]:
    """Go through the set-up page as a person would: the key from the page, a code from it."""
    client.post(reverse("accounts:two_factor_start"))
    page = client.get(SETUP)
    assert page.status_code == 200
    assert "<svg" in page.text  # the QR code, drawn on the server
    secret = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', page.text).group(1)
    response = client.post(reverse("accounts:two_factor_confirm"), {"code": totp(secret)})
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:recovery_codes")
    codes_page = client.get(reverse("accounts:recovery_codes"))
    codes = re.findall(r"<li><code>([a-z2-7]{4}-[a-z2-7]{4})</code></li>", codes_page.text)
    return secret, codes


def next_step_code(secret: str) -> str:
    """A code for the next 30-second step (each code works once; one step of drift is allowed)."""
    return totp(secret, at=time.time() + 30)


def password_step(client: Client, email: str, password: str = PASSWORD):
    return client.post(LOGIN, {"username": email, "password": password})


def logged_in(client: Client) -> bool:
    return SESSION_KEY in client.session


def test_it_sets_up_with_a_qr_code_and_the_key_and_gives_ten_recovery_codes(personas):
    client = Client()
    client.force_login(personas.member)
    secret, codes = set_up(client)
    assert len(secret.replace(" ", "")) == 32
    assert len(codes) == 10 and len(set(codes)) == 10
    assert TOTPDevice.objects.get(user=personas.member).confirmed
    # The key in the QR code is the one shown as text.
    device = TOTPDevice.objects.get(user=personas.member)
    assert f"secret={secret.replace(' ', '')}" in device.config_url
    # Download, then gone once saved: shown once.
    download = client.get(reverse("accounts:recovery_codes_download"))
    assert download["Content-Disposition"].startswith("attachment")
    assert all(code in download.text for code in codes)
    client.post(reverse("accounts:recovery_codes_done"))
    assert client.get(reverse("accounts:recovery_codes")).status_code == 302
    assert codes[0] not in client.get(SETUP).text


def test_a_wrong_code_does_not_turn_it_on(personas):
    client = Client()
    client.force_login(personas.member)
    client.post(reverse("accounts:two_factor_start"))
    response = client.post(reverse("accounts:two_factor_confirm"), {"code": "000000"})
    assert response.status_code == 400
    assert "That code does not match" in response.text
    assert 'value="000000"' in response.text
    assert not TOTPDevice.objects.filter(user=personas.member, confirmed=True).exists()


def test_the_password_alone_does_not_log_in_then_the_code_does(personas):
    setup_client = Client()
    setup_client.force_login(personas.member)
    secret, _codes = set_up(setup_client)

    client = Client()
    response = password_step(client, "max@acme.test")
    assert response["Location"] == CODE
    assert not logged_in(client)
    # Nothing else opens between the two steps.
    assert client.get(reverse("accounts:profile"))["Location"].startswith(LOGIN)
    page = client.get(CODE)
    assert page.status_code == 200
    assert 'autocomplete="one-time-code"' in page.text
    response = client.post(CODE, {"code": next_step_code(secret)})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert logged_in(client)


def test_a_wrong_code_is_refused_and_counted(personas):
    setup_client = Client()
    setup_client.force_login(personas.member)
    secret, _codes = set_up(setup_client)
    client = Client()
    password_step(client, "max@acme.test")
    right = next_step_code(secret)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    response = client.post(CODE, {"code": wrong})
    assert response.status_code == 200
    assert "That code is not right" in response.text
    assert not logged_in(client)
    # Straight after a wrong code, even the right one waits (django-otp's delay).
    response = client.post(CODE, {"code": right})
    assert response.status_code == 429
    assert "Too many wrong codes. Wait" in response.text
    assert not logged_in(client)
    time.sleep(1.1)
    assert client.post(CODE, {"code": right}).status_code == 302
    assert logged_in(client)


def test_too_many_wrong_codes_start_over_from_the_password(personas, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # no waiting between tries, to count them quickly
    setup_client = Client()
    setup_client.force_login(personas.member)
    set_up(setup_client)
    client = Client()
    password_step(client, "max@acme.test")
    for _ in range(settings.TWO_FACTOR_MAX_TRIES - 1):
        assert client.post(CODE, {"code": "123456"}).status_code in (200, 429)
    response = client.post(CODE, {"code": "123456"})
    assert response.status_code in (302, 429)
    assert not logged_in(client)
    assert client.get(CODE)["Location"] == LOGIN


def test_a_recovery_code_works_once(personas):
    setup_client = Client()
    setup_client.force_login(personas.member)
    _secret, codes = set_up(setup_client)
    first = Client()
    password_step(first, "max@acme.test")
    response = first.post(CODE, {"code": codes[3].upper()})
    assert response.status_code == 302
    assert logged_in(first)
    assert StaticToken.objects.filter(device__user=personas.member).count() == 9
    second = Client()
    password_step(second, "max@acme.test")
    response = second.post(CODE, {"code": codes[3]})
    assert response.status_code == 200
    assert not logged_in(second)


def test_turning_it_off_needs_the_password(personas):
    client = Client()
    client.force_login(personas.member)
    set_up(client)
    response = client.post(reverse("accounts:two_factor_disable"), {"off-password": "wrong"})
    assert response.status_code == 400
    assert TOTPDevice.objects.filter(user=personas.member).exists()
    response = client.post(reverse("accounts:two_factor_disable"), {"off-password": PASSWORD})
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=personas.member).exists()
    assert password_step(Client(), "max@acme.test")["Location"] == reverse("home")


def test_new_recovery_codes_replace_the_old_ones(personas):
    client = Client()
    client.force_login(personas.member)
    _secret, old = set_up(client)
    assert (
        client.post(reverse("accounts:recovery_codes"), {"codes-password": "x"}).status_code == 400
    )
    response = client.post(reverse("accounts:recovery_codes"), {"codes-password": PASSWORD})
    assert response.status_code == 302
    new = re.findall(
        r"<code>([a-z2-7]{4}-[a-z2-7]{4})</code>", client.get(response["Location"]).text
    )
    assert len(new) == 10 and not set(new) & set(old)
    stored = set(
        StaticToken.objects.filter(device__user=personas.member).values_list("token", flat=True)
    )
    assert stored == {c.replace("-", "") for c in new}


# The organization's requirement --------------------------------------------------


def require(personas) -> None:
    personas.org.two_factor_required = True
    personas.org.save()


PAGES_TO_TRY = ["/", "/t/platform/", "/account/", "/account/tokens/", "/t/platform/reviews/"]


def test_an_admin_can_require_it_on_the_organization_page(personas):
    admin = Client()
    admin.force_login(personas.admin)
    response = admin.post(
        reverse("teams:organization"),
        {"name": "Acme", "open_signup_domain": "", "two_factor_required": "on"},
    )
    assert response.status_code == 302
    personas.org.refresh_from_db()
    assert personas.org.two_factor_required
    # The admin has no second factor yet: their own session goes to the set-up at once.
    assert admin.get("/t/platform/")["Location"] == SETUP


def test_when_required_a_member_without_it_is_sent_to_set_up_from_every_page(personas):
    require(personas)
    client = Client()
    response = password_step(client, "max@acme.test")
    assert logged_in(client)
    assert client.get(response["Location"])["Location"] == SETUP
    for url in PAGES_TO_TRY:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == SETUP, url
    assert client.post(reverse("accounts:profile"), {"display_name": "X"})["Location"] == SETUP
    api = client.get("/api/v1/me")
    assert api.status_code == 403
    assert "requires two-factor" in api.json()["detail"]
    page = client.get(SETUP)
    assert page.status_code == 200
    assert "Your organization requires two-factor sign-in" in page.text
    # Once set up, everything opens again.
    set_up(client)
    assert client.get("/")["Location"] == "/t/platform/"
    for url in PAGES_TO_TRY[1:]:
        assert client.get(url).status_code == 200, url


def test_switching_it_on_applies_at_once_to_people_signed_in_now(
    personas, django_capture_on_commit_callbacks
):
    from marblejar.accounts import sso

    max_ = Client()
    password_step(max_, "max@acme.test")
    mia_by_sso = Client()
    mia_by_sso.force_login(personas.member2, backend=sso.BACKEND)
    lena_with_app = Client()
    lena_with_app.force_login(personas.lead)
    set_up(lena_with_app)
    assert max_.get("/t/platform/").status_code == 200

    admin = Client()
    admin.force_login(personas.admin)
    with django_capture_on_commit_callbacks(execute=True):
        admin.post(
            reverse("teams:organization"),
            {"name": "Acme", "open_signup_domain": "", "two_factor_required": "on"},
        )

    assert max_.get("/t/platform/")["Location"] == SETUP
    assert mia_by_sso.get("/t/platform/").status_code == 200
    assert lena_with_app.get("/t/platform/").status_code == 200


def test_when_required_it_cannot_be_turned_off(personas):
    client = Client()
    client.force_login(personas.member)
    set_up(client)
    require(personas)
    response = client.post(reverse("accounts:two_factor_disable"), {"off-password": PASSWORD})
    assert response.status_code == 400
    assert TOTPDevice.objects.filter(user=personas.member, confirmed=True).exists()


def test_the_requirement_binds_only_password_accounts(personas):
    require(personas)
    sso_only = User.objects.create_user(
        "sam@acme.test", None, display_name="Sam", organization=personas.org
    )
    client = Client()
    client.force_login(sso_only)
    assert client.get("/t/platform/").status_code in (200, 404)
    assert client.get("/account/").status_code == 200


def test_a_single_sign_on_session_is_exempt(personas):
    from marblejar.accounts import sso

    require(personas)
    client = Client()
    client.force_login(personas.member, backend=sso.BACKEND)
    assert client.get("/t/platform/").status_code == 200


def test_other_organizations_are_not_affected(personas):
    require(personas)
    client = Client()
    password_step(client, "olga@globex.test")
    assert client.get("/account/").status_code == 200


@pytest.mark.parametrize("url", [CODE])
def test_the_code_step_without_a_password_step_goes_back_to_log_in(client, personas, url):
    assert client.get(url)["Location"] == LOGIN
