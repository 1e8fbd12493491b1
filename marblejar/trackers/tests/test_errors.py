"""What goes wrong talking to a tracker is said in words, and nothing is kept half-made."""

from __future__ import annotations

import socket

import pytest
from django.core.exceptions import ValidationError

from marblejar.trackers import services
from marblejar.trackers.clients import TrackerError
from marblejar.trackers.models import Issue, Kind, Tracker
from marblejar.trackers.tests import fake_trackers as ft
from marblejar.trackers.tests.conftest import connect


def messages_after(client, action) -> str:
    return client.get(f"/actions/{action.pk}/").content.decode()


def post(client, action, tracker):
    return client.post(f"/actions/{action.pk}/issue/", {"tracker": tracker.pk})


def test_a_refused_token_is_said_to_the_person_and_kept_for_the_leads(
    client_for, personas, fake, action
):
    tracker, _secret = connect(personas, fake, Kind.GITHUB, token="github_pat_revoked_long_ago")
    client = client_for("member")
    response = post(client, action, tracker)
    assert response.status_code == 302
    assert "GitHub refused the token (401)." in messages_after(client, action)
    assert not Issue.objects.filter(action=action).exists()
    tracker.refresh_from_db()
    assert tracker.last_error == "GitHub refused the token (401)."
    page = client_for("lead").get("/t/platform/trackers/").content.decode()
    assert "GitHub refused the token (401)." in page


def test_trying_again_after_a_refusal_works(client_for, personas, fake, action):
    tracker, _secret = connect(personas, fake, Kind.GITHUB, token="github_pat_revoked_long_ago")
    client = client_for("member")
    post(client, action, tracker)
    services.tracker_replace_token(actor=personas.lead, tracker=tracker, token=ft.GITHUB_TOKEN)
    post(client, action, tracker)
    assert Issue.objects.get(action=action).ref == "1"
    tracker.refresh_from_db()
    assert tracker.last_error == ""


def test_a_repository_that_is_not_there_is_named(personas, fake, action):
    tracker, _secret = connect(personas, fake, Kind.GITHUB, project="acme/no-such-repo")
    with pytest.raises(TrackerError) as refused:
        services.issue_create(actor=personas.member, action=action, tracker=tracker)
    assert str(refused.value) == (
        "GitHub did not find acme/no-such-repo (404): check the project, "
        "and that the token may see it."
    )
    assert refused.value.status == 404


def test_a_tracker_that_does_not_answer_in_time(
    settings, client_for, personas, fake, github, action
):
    settings.TRACKER_TIMEOUT_SECONDS = 0.3
    fake.delay = 1.5
    tracker, _secret = github
    client = client_for("member")
    assert post(client, action, tracker).status_code == 302
    assert "GitHub did not answer in time (127.0.0.1), try again." in messages_after(client, action)
    assert not Issue.objects.exists()


def test_a_tracker_that_cannot_be_reached(client_for, personas, fake, action):
    with socket.socket() as s:  # a port that nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    tracker, _secret = services.tracker_connect(
        actor=personas.lead,
        team=personas.team,
        kind="github",
        base_url=f"http://127.0.0.1:{port}",
        project=ft.GITHUB_REPO,
        token=ft.GITHUB_TOKEN,
    )
    client = client_for("member")
    assert post(client, action, tracker).status_code == 302
    assert "Could not reach 127.0.0.1, try again." in messages_after(client, action)


def test_jira_refusing_the_account(personas, fake, action):
    tracker, _secret = connect(personas, fake, Kind.JIRA, email="someone@acme.test")
    with pytest.raises(TrackerError, match=r"^Jira refused the token \(401\)\.$"):
        services.issue_create(actor=personas.member, action=action, tracker=tracker)


def test_jira_refusing_an_issue_type_says_why(personas, fake, action):
    tracker, _secret = connect(personas, fake, Kind.JIRA, issue_type="Epic saga")
    with pytest.raises(TrackerError) as refused:
        services.issue_create(actor=personas.member, action=action, tracker=tracker)
    assert "(400)" in str(refused.value)
    assert "issuetype: Specify an issue type" in str(refused.value)


def test_gitlab_refusing_the_token(personas, fake, action):
    tracker, _secret = connect(personas, fake, Kind.GITLAB, token="glpat-expired-token")
    with pytest.raises(TrackerError, match=r"^GitLab refused the token \(401\)\.$"):
        services.issue_create(actor=personas.member, action=action, tracker=tracker)


# Private addresses ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000",
        "https://127.0.0.1",
        "https://10.0.0.5",
        "https://169.254.169.254",
        "https://[::1]",
        "https://localhost",
        "https://[::ffff:192.168.1.1]",
        "ftp://github.example.com",
        "https://user:pw@github.example.com",
    ],
)
def test_private_and_odd_addresses_are_refused_unless_allowed(settings, personas, url):
    settings.INTEGRATIONS_ALLOW_PRIVATE = False
    with pytest.raises(ValidationError) as refused:
        services.tracker_connect(
            actor=personas.lead,
            team=personas.team,
            kind="github",
            base_url=url,
            project=ft.GITHUB_REPO,
            token=ft.GITHUB_TOKEN,
        )
    assert "base_url" in refused.value.error_dict
    assert not Tracker.objects.exists()


def test_a_tracker_connected_while_allowed_is_not_asked_once_disallowed(
    settings, personas, fake, github, action
):
    tracker, _secret = github
    settings.INTEGRATIONS_ALLOW_PRIVATE = False
    with pytest.raises(TrackerError, match="MARBLEJAR_INTEGRATIONS_ALLOW_PRIVATE"):
        services.issue_create(actor=personas.member, action=action, tracker=tracker)
    assert fake.requests == []


def test_a_public_address_is_accepted(settings, personas):
    settings.INTEGRATIONS_ALLOW_PRIVATE = False
    tracker, _secret = services.tracker_connect(
        actor=personas.lead,
        team=personas.team,
        kind="github",
        base_url="https://93.184.215.14/api/v3",
        project=ft.GITHUB_REPO,
        token=ft.GITHUB_TOKEN,
    )
    assert tracker.base_url == "https://93.184.215.14/api/v3"
