"""Sign-in journeys: a new person comes in through the organization's identity
provider (a real OpenID Connect provider on loopback), and a password account
turns on two-factor sign-in, then logs in with a code from the app."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from playwright.sync_api import expect

from conftest import Server, start_server
from marblejar.accounts.models import User
from marblejar.accounts.tests.test_two_factor import totp
from marblejar.test import PASSWORD, make_personas
from tests_e2e.oidc_provider import PROVIDER_NAME, oidc_provider  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


@pytest.fixture
def live_marblejar(transactional_db, tmp_path: Path, oidc_provider) -> Iterator[Server]:  # noqa: F811
    """Marblejar configured for single sign-on with the loopback provider."""
    server = start_server(
        tmp_path,
        redis_url=settings.REDIS_URL or None,
        extra_env=oidc_provider.environment(MARBLEJAR_OIDC_ALLOWED_DOMAINS="acme.test=Acme"),
    )
    oidc_provider.allow_redirect(f"{server.url}/login/sso/callback/")
    yield server
    server.stop()


def test_a_new_person_signs_in_through_the_provider_and_joins_the_organization(
    live_marblejar,
    oidc_provider,  # noqa: F811
    new_context,
    assert_accessible,
    screenshot_dir,  # noqa: F811
):
    p = make_personas()
    page = new_context().new_page()
    page.goto("/login/")
    button = page.get_by_role("link", name=f"Sign in with {PROVIDER_NAME}")
    expect(button).to_be_visible()
    assert_accessible(page, "the log-in page with single sign-on")
    page.screenshot(path=str(screenshot_dir / "sign-in-sso.png"), full_page=True)
    page.set_viewport_size(PHONE)
    assert_accessible(page, "the log-in page on a phone")
    page.screenshot(path=str(screenshot_dir / "sign-in-sso-phone.png"), full_page=True)
    page.set_viewport_size(DESKTOP)

    button.click()
    # The provider's own log-in page, on its own address.
    expect(page.get_by_role("heading", name="Test identity provider")).to_be_visible()
    assert page.url.startswith(oidc_provider.url)
    page.get_by_label("User name").fill("nina")
    page.get_by_label("Provider password").fill("nina-provider-pass")
    page.get_by_role("button", name="Sign in to the provider").click()

    # Back in Marblejar, signed in, as a member of Acme.
    expect(page).not_to_have_url(re.compile(r"/login/"))
    assert urlsplit(page.url).netloc == urlsplit(live_marblejar.url).netloc
    page.goto("/account/")
    expect(page.get_by_text("nina@acme.test")).to_be_visible()
    expect(page.get_by_label("Display name")).to_have_value("Nina Newcomer")
    nina = User.objects.get(email="nina@acme.test")
    assert nina.organization_id == p.org.pk
    assert not nina.has_usable_password()
    # Her provider asks for any second factor: nothing to set up here.
    page.goto("/account/two-factor/")
    expect(page.get_by_text("You sign in through single sign-on")).to_be_visible()
    assert_accessible(page, "the two-factor page for a single sign-on account")


def test_a_password_account_turns_on_two_factor_and_logs_in_with_a_code(
    live_marblejar, new_context, assert_accessible, screenshot_dir
):
    make_personas()
    context = new_context()
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = context.new_page()
    page.goto("/login/")
    page.get_by_label("E-mail address").fill("max@acme.test")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).not_to_have_url(re.compile(r"/login/"))

    page.goto("/account/")
    page.get_by_role("link", name="Set up or change two-factor sign-in").click()
    assert_accessible(page, "the two-factor page before set-up")
    page.get_by_role("button", name="Set up two-factor sign-in").click()

    expect(page.get_by_role("img", name=re.compile("QR code"))).to_be_visible()
    secret = page.locator("#totp-secret").inner_text()
    assert re.fullmatch(r"[A-Z2-7]{4}( [A-Z2-7]{4}){7}", secret), secret
    assert_accessible(page, "the two-factor set-up page")
    page.screenshot(path=str(screenshot_dir / "two-factor-setup.png"), full_page=True)
    page.set_viewport_size(PHONE)
    assert_accessible(page, "the two-factor set-up page on a phone")
    page.screenshot(path=str(screenshot_dir / "two-factor-setup-phone.png"), full_page=True)
    page.set_viewport_size(DESKTOP)

    page.get_by_role("button", name="Copy the key").click()
    expect(page.locator("#secret-status")).to_have_text("Copied to the clipboard.")
    page.get_by_label("Code from the app").fill(totp(secret))
    page.get_by_role("button", name="Turn on two-factor sign-in").click()

    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    codes = page.locator(".recovery-codes code")
    expect(codes).to_have_count(10)
    assert_accessible(page, "the recovery codes")
    page.screenshot(path=str(screenshot_dir / "two-factor-recovery-codes.png"), full_page=True)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download as a text file").click()
    saved = Path(download.value.path()).read_text()
    assert codes.first.inner_text() in saved
    page.get_by_role("button", name="I have saved them").click()
    expect(page.get_by_role("heading", name="On")).to_be_visible()
    expect(page.get_by_text("You have 10 unused recovery codes.")).to_be_visible()
    assert_accessible(page, "the two-factor page once it is on")

    # Another browser: the password, then the code.
    other = new_context().new_page()
    other.goto("/login/")
    other.get_by_label("E-mail address").fill("max@acme.test")
    other.get_by_label("Password").fill(PASSWORD)
    other.get_by_role("button", name="Log in").click()
    expect(other).to_have_url(re.compile(r"/login/code/$"))
    expect(other.get_by_role("heading", name="Enter your code")).to_be_visible()
    assert_accessible(other, "the code step")
    other.screenshot(path=str(screenshot_dir / "two-factor-code-step.png"), full_page=True)
    other.set_viewport_size(PHONE)
    assert_accessible(other, "the code step on a phone")
    other.screenshot(path=str(screenshot_dir / "two-factor-code-step-phone.png"), full_page=True)
    other.set_viewport_size(DESKTOP)

    other.get_by_label("Code").fill("000000")
    other.get_by_role("button", name="Log in").click()
    expect(other.get_by_text("That code is not right")).to_be_visible()
    expect(other).to_have_url(re.compile(r"/login/code/$"))
    time.sleep(1.1)  # django-otp's delay after a wrong code
    # The set-up used this step's code; the app shows the next one 30 seconds on.
    other.get_by_label("Code").fill(totp(secret, at=time.time() + 30))
    other.get_by_role("button", name="Log in").click()
    expect(other).not_to_have_url(re.compile(r"/login/"))
    other.goto("/account/")
    expect(other.get_by_text("max@acme.test")).to_be_visible()
