"""The team's trackers page: connect, see the webhook's secret once, replace, disconnect."""

from __future__ import annotations

from marblejar.lib.sealing import decrypt
from marblejar.trackers.models import SEAL_NAMESPACE, Tracker
from marblejar.trackers.tests import fake_trackers as ft


def connect_github(client, fake, **extra):
    return client.post(
        "/t/platform/trackers/connect/github/",
        {"base_url": fake.url, "project": ft.GITHUB_REPO, "token": ft.GITHUB_TOKEN} | extra,
    )


def test_a_lead_connects_github_and_sees_the_secret_once(client_for, personas, fake):
    client = client_for("lead")
    response = connect_github(client, fake)
    assert response.status_code == 200
    tracker = Tracker.objects.get()
    page = response.content.decode()
    assert tracker.secret in page
    assert f"/hooks/trackers/{tracker.hook_id}/" in page
    assert "Copy the secret now" in page
    assert ft.GITHUB_TOKEN not in page
    again = client.get("/t/platform/trackers/").content.decode()
    assert tracker.secret not in again
    assert ft.GITHUB_TOKEN not in again
    assert f"ends in …{ft.GITHUB_TOKEN[-4:]}" in again
    assert f"/hooks/trackers/{tracker.hook_id}/" in again


def test_the_token_and_secret_are_sealed_in_the_database(personas, fake, github):
    tracker, secret = github
    row = Tracker.objects.values("token_sealed", "secret_sealed").get()
    assert ft.GITHUB_TOKEN.encode() not in bytes(row["token_sealed"])
    assert secret.encode() not in bytes(row["secret_sealed"])
    plain = decrypt(row["token_sealed"], namespace=SEAL_NAMESPACE + "token")
    assert plain.decode() == ft.GITHUB_TOKEN


def test_a_refused_form_keeps_what_was_typed_and_says_what_is_wrong(client_for, personas, fake):
    response = client_for("lead").post(
        "/t/platform/trackers/connect/gitlab/",
        {"base_url": fake.url, "project": "not a project!", "token": ""},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Give the project&#x27;s id (a number) or its path, like acme/platform." in page
    assert 'value="not a project!"' in page
    assert 'id="connect-gitlab" open' in page
    assert not Tracker.objects.exists()


def test_jira_needs_its_site_and_account(client_for, personas):
    response = client_for("lead").post(
        "/t/platform/trackers/connect/jira/", {"project": "plat", "token": "x" * 20}
    )
    assert response.status_code == 400
    assert response.context["connect"][2]["form"].errors.keys() >= {"base_url", "email"}


def test_the_same_project_twice_is_refused(client_for, personas, fake, github):
    response = connect_github(client_for("lead"), fake)
    assert response.status_code == 400
    assert "This project is connected already." in response.content.decode()


def test_an_unknown_kind_is_404(client_for, personas):
    assert client_for("lead").post("/t/platform/trackers/connect/trello/", {}).status_code == 404


def test_a_lead_replaces_the_token(client_for, personas, fake, github):
    tracker, _secret = github
    client = client_for("lead")
    response = client.post(
        f"/t/platform/trackers/{tracker.pk}/token/", {"token": "github_pat_brand_new_9999"}
    )
    assert response.status_code == 302
    tracker.refresh_from_db()
    assert tracker.token == "github_pat_brand_new_9999"
    assert tracker.token_hint == "9999"
    empty = client.post(f"/t/platform/trackers/{tracker.pk}/token/", {"token": ""})
    assert empty.status_code == 400


def test_a_new_secret_is_shown_once(client_for, personas, fake, github):
    tracker, old = github
    response = client_for("lead").post(f"/t/platform/trackers/{tracker.pk}/secret/")
    assert response.status_code == 200
    tracker.refresh_from_db()
    assert tracker.secret != old
    assert tracker.secret in response.content.decode()


def test_jira_s_address_carries_the_secret_when_shown(client_for, personas, fake):
    response = client_for("lead").post(
        "/t/platform/trackers/connect/jira/",
        {
            "base_url": fake.url,
            "project": "PLAT",
            "email": ft.JIRA_EMAIL,
            "issue_type": "Task",
            "token": ft.JIRA_TOKEN,
        },
    )
    tracker = Tracker.objects.get()
    assert f"/hooks/trackers/{tracker.hook_id}/?secret={tracker.secret}" in (
        response.content.decode()
    )


def test_disconnecting_keeps_the_issue_links(client_for, personas, fake, github, action):
    from marblejar.trackers import services
    from marblejar.trackers.models import Issue

    tracker, _secret = github
    services.issue_create(actor=personas.member, action=action, tracker=tracker)
    response = client_for("lead").post(f"/t/platform/trackers/{tracker.pk}/disconnect/")
    assert response.status_code == 302
    assert not Tracker.objects.exists()
    issue = Issue.objects.get()
    assert issue.tracker is None and issue.url.endswith("/issues/1")
    page = client_for("member").get(f"/actions/{action.pk}/").content.decode()
    assert "GitHub issue #1" in page


def test_members_do_not_manage_trackers_but_find_where_to_ask(client_for, personas, fake, github):
    tracker, _secret = github
    member = client_for("member")
    assert member.get("/t/platform/trackers/").status_code == 403
    assert member.post(f"/t/platform/trackers/{tracker.pk}/disconnect/").status_code == 403
    assert 'href="/t/platform/trackers/"' not in member.get("/t/platform/actions/").content.decode()
    assert (
        'href="/t/platform/trackers/"'
        in client_for("lead").get("/t/platform/actions/").content.decode()
    )


def test_a_tracker_of_another_team_is_not_found(client_for, personas, fake, github):
    tracker, _secret = github
    response = client_for("other").post(f"/t/product/trackers/{tracker.pk}/disconnect/")
    assert response.status_code == 404


def test_the_team_page_links_the_leads_to_it(client_for, personas):
    link = 'href="/t/platform/trackers/"'
    assert link in client_for("lead").get("/t/platform/").content.decode()
    assert link not in client_for("member").get("/t/platform/").content.decode()
