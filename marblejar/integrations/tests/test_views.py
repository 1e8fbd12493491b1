"""The team's Integrations page, as a lead uses it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from marblejar.integrations import services
from marblejar.integrations.models import Attempt, Integration
from marblejar.integrations.tests.helpers import integration
from marblejar.integrations.tests.receivers import receiver, slack_problems

pytestmark = pytest.mark.django_db

SLACK_URL = "https://hooks.slack.com/services/T0AAA/B0BBB/abcdefghijklmnopqrstWXYZ"


def list_url(p) -> str:
    return reverse("integrations:list", args=[p.team.slug])


def test_the_team_page_links_leads_to_it(personas, client_for):
    page = client_for("lead").get(reverse("teams:detail", args=["platform"])).content.decode()
    assert list_url(personas) in page
    page = client_for("member").get(reverse("teams:detail", args=["platform"])).content.decode()
    assert list_url(personas) not in page


def test_a_lead_adds_a_slack_channel_whose_address_is_never_shown_again(personas, client_for):
    client = client_for("lead")
    response = client.post(
        list_url(personas),
        {
            "kind": "slack",
            "name": "#platform",
            "url": SLACK_URL,
            "events": ["reflection.published", "review.closed"],
        },
    )
    made = Integration.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("integrations:detail", args=["platform", made.pk])
    assert made.events == ["reflection.published", "review.closed"]
    assert services.integration_url(made) == SLACK_URL
    assert SLACK_URL.encode() not in bytes(made.url_sealed)
    for url in (list_url(personas), response["Location"]):
        page = client.get(url).content.decode()
        assert SLACK_URL not in page and "B0BBB" not in page
        assert "hooks.slack.com …WXYZ" in page


def test_a_webhook_s_secret_is_shown_once(personas, client_for):
    client = client_for("lead")
    response = client.post(
        list_url(personas),
        {"kind": "webhook", "name": "Dashboard", "url": "https://example.org/hooks/mj"},
    )
    page = response.content.decode()
    made = Integration.objects.get()
    secret = services.integration_secret(made)
    assert response.status_code == 200 and secret in page and secret.startswith("whsec_")
    assert secret not in client.get(list_url(personas)).content.decode()
    detail = client.get(reverse("integrations:detail", args=["platform", made.pk])).content.decode()
    assert secret not in detail and f"whsec_…{secret[-4:]}" in detail


def test_a_form_with_mistakes_keeps_what_was_typed_and_says_what_is_wrong(personas, client_for):
    response = client_for("lead").post(
        list_url(personas),
        {"kind": "slack", "name": "Alerts channel", "url": "ftp://hooks.example.org/x"},
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "Alerts channel" in page and "ftp://hooks.example.org/x" in page
    assert "starting with https://" in page
    assert not Integration.objects.exists()


def test_private_addresses_are_refused_unless_the_setting_allows_them(
    personas, client_for, settings
):
    settings.INTEGRATIONS_ALLOW_PRIVATE = False
    for url in (
        "http://hooks.example.org/x",
        "https://127.0.0.1/hook",
        "https://10.0.0.8/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/hook",
        "https://localhost/hook",
        "https://user:pw@example.org/hook",
    ):
        response = client_for("lead").post(
            list_url(personas), {"kind": "webhook", "name": "x", "url": url}
        )
        assert response.status_code == 400, url
    assert not Integration.objects.exists()


def test_a_lead_edits_pauses_resumes_and_deletes(personas, client_for):
    made = integration(personas, "teams", "https://example.org/teams")
    client = client_for("lead")
    detail = reverse("integrations:detail", args=["platform", made.pk])
    response = client.post(detail, {"name": "Renamed", "events": ["pulse.opened"], "url": ""})
    assert response.status_code == 302
    made.refresh_from_db()
    assert (made.name, made.events) == ("Renamed", ["pulse.opened"])
    assert services.integration_url(made) == "https://example.org/teams"
    client.post(reverse("integrations:pause", args=["platform", made.pk]))
    made.refresh_from_db()
    assert made.is_paused and made.paused_because == "lead"
    assert "paused" in client.get(list_url(personas)).content.decode()
    client.post(reverse("integrations:resume", args=["platform", made.pk]))
    made.refresh_from_db()
    assert not made.is_paused
    client.post(reverse("integrations:delete", args=["platform", made.pk]))
    assert not Integration.objects.exists()


def test_send_a_test_with_htmx_answers_with_the_log(personas, client_for):
    with receiver() as slack:
        made = integration(personas, "slack", slack.url)
        response = client_for("lead").post(
            reverse("integrations:test", args=["platform", made.pk]), HTTP_HX_REQUEST="true"
        )
    page = response.content.decode()
    assert response.status_code == 200
    assert page.lstrip().startswith('<section id="log"')
    assert "The test message arrived (HTTP 200)." in page
    assert slack_problems(slack.received[0].json()) == []
    assert Attempt.objects.get().ok


def test_an_integration_of_another_team_is_not_found(personas, client_for):
    theirs, _secret = services.integration_create(
        actor=personas.other,
        team=personas.other_team,
        kind="slack",
        name="Product",
        url="https://example.org/p",
        events=[],
    )
    response = client_for("lead").get(reverse("integrations:detail", args=["platform", theirs.pk]))
    assert response.status_code == 404


def test_the_api_lists_a_team_s_integrations_for_its_leads_without_addresses(personas, client_for):
    made = integration(personas, "slack", SLACK_URL, events=["review.closed"])
    services.integration_pause(actor=personas.lead, integration=made)
    response = client_for("lead").get("/api/v1/teams/platform/integrations")
    assert response.status_code == 200
    assert response.json() == [
        {
            "id": made.pk,
            "kind": "slack",
            "name": "slack channel",
            "posts_to": "hooks.slack.com …WXYZ",
            "events": ["review.closed"],
            "paused": True,
            "paused_because": "lead",
            "failures_in_a_row": 0,
            "last_attempt_at": None,
            "last_attempt_ok": None,
            "last_status_code": None,
        }
    ]
    assert client_for("member").get("/api/v1/teams/platform/integrations").status_code == 403


def test_a_post_that_cannot_be_built_never_fails_the_change_it_reports(personas, caplog):
    from marblejar.integrations.models import Delivery
    from marblejar.integrations.services import broadcast

    integration(personas, "slack", SLACK_URL)
    made = broadcast(team=personas.team, event="review.closed", payload=lambda: {"title": 1 / 0})
    assert made == [] and not Delivery.objects.exists()
    assert "Could not build the review.closed post" in caplog.text


def test_slack_s_control_characters_are_escaped_in_what_people_wrote():
    from marblejar.integrations import formats

    message = formats.slack(
        {
            "title": "<!channel> & friends",
            "text": "Use <b> & <i>",
            "url": "https://marblejar.example.org/r/1/",
            "team": {"name": "Platform"},
        }
    )
    section = message["blocks"][0]["text"]["text"]
    assert "<!channel>" not in section and "&lt;!channel&gt; &amp; friends" in section
    assert "<!channel>" not in message["text"] and "&lt;b&gt;" in message["text"]
    assert section.startswith("*<https://marblejar.example.org/r/1/|")
