"""The trackers' webhooks: an issue closed is an action done, reopened is open again.

Signatures are computed here with the standard library, independently of
the code under test.
"""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest

from marblejar.reviews.models import ActionEvent, ActionStatus
from marblejar.trackers import services
from marblejar.trackers.models import Issue, IssueState
from marblejar.trackers.tests import fake_trackers as ft


@pytest.fixture
def made(personas, fake, github, action) -> Issue:
    tracker, _secret = github
    issue, _created = services.issue_create(actor=personas.member, action=action, tracker=tracker)
    return issue


def github_event(action_name: str, number: int, repo: str = ft.GITHUB_REPO) -> bytes:
    return json.dumps(
        {
            "action": action_name,
            "issue": {"number": number, "state": "closed", "html_url": "https://github.com/x"},
            "repository": {"full_name": repo},
            "sender": {"login": "lena"},
        }
    ).encode()


def send_github(client, tracker, body: bytes, secret: str, event: str = "issues"):
    mac = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return client.post(
        f"/hooks/trackers/{tracker.hook_id}/",
        body,
        content_type="application/json",
        headers={"X-GitHub-Event": event, "X-Hub-Signature-256": mac},
    )


def test_a_signed_close_makes_the_action_done_and_a_reopen_open(client, github, made, action):
    tracker, secret = github
    response = send_github(client, tracker, github_event("closed", 1), secret)
    assert response.status_code == 200
    action.refresh_from_db()
    assert action.status == ActionStatus.DONE and action.done_at is not None
    made.refresh_from_db()
    assert made.state == IssueState.CLOSED
    event = ActionEvent.objects.filter(action=action, kind="status").latest("id")
    assert (event.status, event.actor, event.note) == ("done", None, "GitHub issue #1 was closed.")
    tracker.refresh_from_db()
    assert tracker.hook_seen_at is not None

    assert send_github(client, tracker, github_event("reopened", 1), secret).status_code == 200
    action.refresh_from_db()
    assert action.status == ActionStatus.OPEN and action.done_at is None
    assert ActionEvent.objects.filter(action=action, kind="status").count() == 2


def test_the_history_on_the_page_says_the_issue_did_it(client_for, github, made, action):
    tracker, secret = github
    send_github(client_for("anonymous"), tracker, github_event("closed", 1), secret)
    page = client_for("member").get(f"/actions/{action.pk}/").content.decode()
    assert "GitHub issue #1 was closed." in page
    assert "Someone set it" not in page


def test_a_wrong_signature_changes_nothing(client, github, made, action):
    tracker, _secret = github
    response = send_github(client, tracker, github_event("closed", 1), "not-the-secret")
    assert response.status_code == 401
    action.refresh_from_db()
    assert action.status == ActionStatus.OPEN
    tracker.refresh_from_db()
    assert tracker.hook_seen_at is None


def test_a_body_changed_after_signing_is_refused(client, github, made, action):
    tracker, secret = github
    body = github_event("closed", 1)
    mac = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    response = client.post(
        f"/hooks/trackers/{tracker.hook_id}/",
        body.replace(b'"number": 1', b'"number": 2'),
        content_type="application/json",
        headers={"X-GitHub-Event": "issues", "X-Hub-Signature-256": mac},
    )
    assert response.status_code == 401


def test_no_signature_is_refused(client, github, made, action):
    tracker, _secret = github
    response = client.post(
        f"/hooks/trackers/{tracker.hook_id}/",
        github_event("closed", 1),
        content_type="application/json",
        headers={"X-GitHub-Event": "issues"},
    )
    assert response.status_code == 401


def test_ping_other_events_and_other_repositories_are_answered_and_ignored(
    client, github, made, action
):
    tracker, secret = github
    assert (
        send_github(client, tracker, b'{"zen": "Keep it simple."}', secret, "ping").status_code
        == 200
    )
    assert (
        send_github(client, tracker, github_event("closed", 1), secret, "push").status_code == 202
    )
    assert send_github(client, tracker, github_event("labeled", 1), secret).status_code == 202
    other = github_event("closed", 1, repo="acme/other")
    assert send_github(client, tracker, other, secret).status_code == 202
    action.refresh_from_db()
    assert action.status == ActionStatus.OPEN


def test_an_issue_no_action_became_is_acknowledged(client, github, made):
    tracker, secret = github
    response = send_github(client, tracker, github_event("closed", 99), secret)
    assert response.status_code == 200
    assert b"no action became this issue" in response.content


def test_nonsense_is_a_400_not_a_500(client, github, made):
    tracker, secret = github
    assert send_github(client, tracker, b"not json", secret).status_code == 400
    assert send_github(client, tracker, b"[1, 2]", secret).status_code == 400
    no_issue = json.dumps({"action": "closed", "repository": {"full_name": ft.GITHUB_REPO}})
    assert send_github(client, tracker, no_issue.encode(), secret).status_code == 400
    bad_number = json.dumps(
        {"action": "closed", "issue": {"number": "x"}, "repository": {"full_name": ft.GITHUB_REPO}}
    ).encode()
    assert send_github(client, tracker, bad_number, secret).status_code == 400


def test_an_unknown_hook_is_404_and_get_is_405(client, github):
    assert (
        client.post("/hooks/trackers/nope/", b"{}", content_type="application/json").status_code
        == 404
    )
    tracker, _secret = github
    assert client.get(f"/hooks/trackers/{tracker.hook_id}/").status_code == 405


def test_a_dropped_action_stays_dropped_when_its_issue_closes(
    personas, client, github, made, action
):
    from marblejar.reviews import services as review_services

    review_services.action_set_status(
        actor=personas.lead, action=action, status="dropped", note="Not worth it after all."
    )
    tracker, secret = github
    send_github(client, tracker, github_event("closed", 1), secret)
    action.refresh_from_db()
    assert action.status == ActionStatus.DROPPED


def test_gitlab_close_and_reopen_with_its_secret_token(client, personas, fake, gitlab, action):
    tracker, secret = gitlab
    services.issue_create(actor=personas.member, action=action, tracker=tracker)
    issue = fake.issues[("gitlab", "1")]
    body, headers = ft.hook_event("gitlab", issue, closed=True, secret=secret, fake=fake)
    url = f"/hooks/trackers/{tracker.hook_id}/"
    wrong = headers | {"X-Gitlab-Token": "guess"}
    assert client.post(url, body, content_type="application/json", headers=wrong).status_code == 401
    action.refresh_from_db()
    assert action.status == ActionStatus.OPEN
    assert (
        client.post(url, body, content_type="application/json", headers=headers).status_code == 200
    )
    action.refresh_from_db()
    assert action.status == ActionStatus.DONE
    body, headers = ft.hook_event("gitlab", issue, closed=False, secret=secret, fake=fake)
    client.post(url, body, content_type="application/json", headers=headers)
    action.refresh_from_db()
    assert action.status == ActionStatus.OPEN


def test_jira_with_the_secret_in_the_address(client, personas, fake, jira, action):
    tracker, secret = jira
    services.issue_create(actor=personas.member, action=action, tracker=tracker)
    issue = fake.issues[("jira", "PLAT-1")]
    body, _headers = ft.hook_event("jira", issue, closed=True, secret=secret, fake=fake)
    url = f"/hooks/trackers/{tracker.hook_id}/"
    assert (
        client.post(url + "?secret=wrong", body, content_type="application/json").status_code == 401
    )
    assert client.post(url, body, content_type="application/json").status_code == 401
    response = client.post(f"{url}?secret={secret}", body, content_type="application/json")
    assert response.status_code == 200
    action.refresh_from_db()
    assert action.status == ActionStatus.DONE


def test_jira_with_a_signed_body(client, personas, fake, jira, action):
    tracker, secret = jira
    services.issue_create(actor=personas.member, action=action, tracker=tracker)
    issue = fake.issues[("jira", "PLAT-1")]
    body, _headers = ft.hook_event("jira", issue, closed=True, secret=secret, fake=fake)
    mac = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    response = client.post(
        f"/hooks/trackers/{tracker.hook_id}/",
        body,
        content_type="application/json",
        headers={"X-Hub-Signature": mac},
    )
    assert response.status_code == 200
    action.refresh_from_db()
    assert action.status == ActionStatus.DONE


def test_a_new_secret_stops_the_old_one(client, personas, github, made, action):
    tracker, old = github
    new = services.tracker_new_secret(actor=personas.lead, tracker=tracker)
    assert send_github(client, tracker, github_event("closed", 1), old).status_code == 401
    assert send_github(client, tracker, github_event("closed", 1), new).status_code == 200


def test_a_form_instead_of_json_is_415_not_a_500(client, github, made):
    tracker, _secret = github
    url = f"/hooks/trackers/{tracker.hook_id}/"
    assert client.post(url, {"payload": "{}"}).status_code == 415
    form = "payload=%7B%7D"
    response = client.post(url, form, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415
