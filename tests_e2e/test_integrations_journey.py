"""A lead connects the team's Slack channel, sends a test, and adds a signed webhook.

Lena follows "Integrations" from the team page, adds a Slack channel (a
receiver on loopback stands in for Slack), sends a test and sees it arrive in
the delivery log without leaving the page, pauses it, then adds a webhook and
copies its signing secret, shown once. Each page passes axe, on a desktop and
on a phone.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from conftest import Server, start_server
from marblejar.integrations.models import Integration
from marblejar.integrations.tests.receivers import receiver, slack_problems
from marblejar.test import make_personas
from tests_e2e.conftest import log_in

pytestmark = [pytest.mark.browser]

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def live_marblejar(transactional_db, tmp_path: Path) -> Iterator[Server]:
    # The stand-in for Slack runs on loopback, which Marblejar refuses unless allowed.
    server = start_server(tmp_path, extra_env={"MARBLEJAR_INTEGRATIONS_ALLOW_PRIVATE": "1"})
    yield server
    server.stop()


def test_a_lead_connects_slack_sends_a_test_and_adds_a_signed_webhook(
    new_context, assert_accessible, screenshot_dir
):
    personas = make_personas()
    page = log_in(new_context(), personas.lead.email)
    page.goto("/t/platform/")
    page.get_by_role("link", name="Integrations").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Integrations")
    expect(page.get_by_text("The team posts nowhere yet.")).to_be_visible()
    assert_accessible(page, "the empty integrations page")

    with receiver() as slack:
        page.get_by_label("Slack").check()
        page.get_by_label("Name").fill("#platform-team")
        page.get_by_label("Webhook address").fill(slack.url)
        page.get_by_label("An action is due").check()
        page.get_by_role("button", name="Add integration").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("#platform-team")
        expect(page.get_by_text("is set up. Send a test to check it.")).to_be_visible()
        page.get_by_role("button", name="Send a test").click()
        log = page.locator("#log")
        expect(log.get_by_text("The test message arrived (HTTP 200).")).to_be_visible()
        expect(log.get_by_role("cell", name="arrived (200)")).to_be_visible()
    assert len(slack.received) == 1 and slack_problems(slack.received[0].json()) == []
    # The address is never shown again, only its host and its end.
    expect(page.get_by_text(slack.url)).to_have_count(0)
    assert_accessible(page, "an integration with its delivery log")
    page.screenshot(path=screenshot_dir / "integration-desktop.png", full_page=True)

    page.get_by_role("button", name="Pause").click()
    expect(page.get_by_text("is paused: nothing is posted")).to_be_visible()
    page.get_by_role("link", name="Integrations").click()

    page.get_by_label("Webhook (JSON)").check()
    page.get_by_label("Name").fill("Team dashboard")
    page.get_by_label("Webhook address").fill("https://dashboard.example.org/marblejar")
    page.get_by_role("button", name="Add integration").click()
    secret = page.locator("#new-secret")
    expect(secret).to_contain_text("whsec_")
    made = Integration.objects.get(name="Team dashboard")
    assert made.secret_hint.endswith(secret.inner_text()[-4:])
    assert_accessible(page, "the integrations page with a new webhook's secret")
    page.screenshot(path=screenshot_dir / "integrations-desktop.png", full_page=True)

    phone = log_in(new_context(viewport=PHONE), personas.lead.email)
    phone.goto("/t/platform/integrations/")
    expect(phone.get_by_role("link", name="#platform-team")).to_be_visible()
    assert_accessible(phone, "the integrations page on a phone")
    phone.screenshot(path=screenshot_dir / "integrations-phone.png", full_page=True)
    phone.get_by_role("link", name="#platform-team").click()
    expect(phone.get_by_role("button", name="Resume")).to_be_visible()
    phone.screenshot(path=screenshot_dir / "integration-phone.png", full_page=True)
