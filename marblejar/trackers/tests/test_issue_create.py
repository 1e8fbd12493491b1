"""Making an action an issue, from its page, the list and a review's summary."""

from __future__ import annotations

import base64

from django.utils import timezone

from marblejar.reviews.models import Action, Review
from marblejar.trackers import services
from marblejar.trackers.models import Issue, IssueState
from marblejar.trackers.tests import fake_trackers as ft
from marblejar.trackers.tests.conftest import add_action


def create(client, action, tracker, next_url=""):
    return client.post(f"/actions/{action.pk}/issue/", {"tracker": tracker.pk, "next": next_url})


def test_it_makes_a_github_issue_and_shows_its_link(client_for, personas, fake, github, action):
    tracker, _secret = github
    client = client_for("member")
    response = create(client, action, tracker)
    assert response.status_code == 302
    assert response["Location"] == f"/actions/{action.pk}/"

    [sent] = fake.seen("POST", "/repos/acme/platform/issues")
    assert sent.headers["accept"] == "application/vnd.github+json"
    assert sent.headers["authorization"] == f"Bearer {ft.GITHUB_TOKEN}"
    assert sent.headers["x-github-api-version"] == "2022-11-28"
    assert sent.body["title"] == "Put the freeze dates in the team calendar"
    body = sent.body["body"]
    assert "Nobody is surprised by a freeze in the next cycle." in body
    assert "Max Member" in body  # the owner, in a review that is not anonymous
    assert f"https://marblejar.example.com/actions/{action.pk}/" in body

    issue = Issue.objects.get(action=action)
    assert (issue.ref, issue.state) == ("1", IssueState.OPEN)
    assert issue.url == "https://github.com/acme/platform/issues/1"
    page = client.get(f"/actions/{action.pk}/").content.decode()
    assert 'href="https://github.com/acme/platform/issues/1"' in page
    assert "GitHub issue #1" in page
    assert "Issue #1 is made in GitHub · acme/platform." in page


def test_a_second_click_makes_no_second_issue(client_for, fake, github, action):
    tracker, _secret = github
    client = client_for("member")
    create(client, action, tracker)
    response = create(client, action, tracker)
    assert response.status_code == 302
    assert len(fake.seen("POST", "/repos/")) == 1
    assert Issue.objects.filter(action=action).count() == 1
    page = client.get(f"/actions/{action.pk}/").content.decode()
    assert "This action is issue #1 already." in page


def test_a_click_while_the_first_is_still_waiting_asks_nothing(personas, fake, github, action):
    tracker, _secret = github
    claim = Issue.objects.create(
        organization=personas.org, action=action, tracker=tracker, kind="github"
    )
    issue, created = services.issue_create(actor=personas.member, action=action, tracker=tracker)
    assert (issue.pk, created) == (claim.pk, False)
    assert fake.seen("POST", "/repos/") == []


def test_a_claim_left_by_a_request_that_died_is_taken_over(personas, fake, github, action):
    tracker, _secret = github
    Issue.objects.create(
        organization=personas.org,
        action=action,
        tracker=tracker,
        kind="github",
        created_at=timezone.now() - services.CLAIM_STALE_AFTER * 2,
    )
    issue, created = services.issue_create(actor=personas.member, action=action, tracker=tracker)
    assert created and issue.ref == "1"
    assert len(fake.seen("POST", "/repos/")) == 1


def test_it_makes_a_gitlab_issue_with_the_project_path_encoded(
    client_for, personas, fake, gitlab, action
):
    tracker, _secret = gitlab
    create(client_for("lead"), action, tracker)
    [sent] = fake.seen("POST", "/api/v4/projects/acme%2Fplatform/issues")
    assert sent.headers["private-token"] == ft.GITLAB_TOKEN
    assert sent.body["title"] == action.title
    assert "Nobody is surprised" in sent.body["description"]
    issue = Issue.objects.get(action=action)
    assert issue.url == "https://gitlab.example.com/acme/platform/-/issues/1"


def test_it_makes_a_jira_issue_in_atlassian_document_format(
    client_for, personas, fake, jira, action
):
    tracker, _secret = jira
    create(client_for("lead"), action, tracker)
    [sent] = fake.seen("POST", "/rest/api/3/issue")
    pair = base64.b64decode(sent.headers["authorization"].removeprefix("Basic ")).decode()
    assert pair == f"{ft.JIRA_EMAIL}:{ft.JIRA_TOKEN}"
    fields = sent.body["fields"]
    assert fields["project"] == {"key": "PLAT"}
    assert fields["issuetype"] == {"name": "Task"}
    assert fields["summary"] == action.title
    doc = fields["description"]
    assert doc["type"] == "doc" and doc["version"] == 1
    texts = [n["text"] for block in doc["content"] for n in block["content"]]
    assert any("Nobody is surprised" in t for t in texts)
    links = [
        m["attrs"]["href"]
        for block in doc["content"]
        for n in block["content"]
        for m in n.get("marks", [])
        if m["type"] == "link"
    ]
    assert links == [f"https://marblejar.example.com/actions/{action.pk}/"]
    issue = Issue.objects.get(action=action)
    assert (issue.ref, issue.url) == ("PLAT-1", f"{fake.url}/browse/PLAT-1")
    assert str(issue) == "PLAT-1"


def test_the_owner_is_not_named_for_an_action_of_an_anonymous_review(
    personas, fake, github, action
):
    tracker, _secret = github
    review = Review.objects.create(
        organization=personas.org,
        team=personas.team,
        title="Incident 7",
        purpose="Learn",
        agenda="All",
        anonymous=True,
        created_by=personas.lead,
    )
    Action.objects.filter(pk=action.pk).update(review=review)
    action.refresh_from_db()
    services.issue_create(actor=personas.member, action=action, tracker=tracker)
    [sent] = fake.seen("POST", "/repos/")
    assert "Max Member" not in sent.body["body"]
    assert "Lena" not in sent.body["body"]


def test_text_from_people_is_sent_as_text_not_markup(personas, fake, github):
    tracker, _secret = github
    action = add_action(personas, title="Fix [alerts](https://evil.test) <b>now</b>")
    services.issue_create(actor=personas.member, action=action, tracker=tracker)
    [sent] = fake.seen("POST", "/repos/")
    assert sent.body["title"] == "Fix [alerts](https://evil.test) <b>now</b>"  # a title is plain
    assert "](https://evil.test)" not in sent.body["body"]


def test_the_list_and_the_summary_offer_it_and_show_the_link(
    client_for, personas, fake, github, action
):
    tracker, _secret = github
    client = client_for("member")
    listing = client.get("/t/platform/actions/").content.decode()
    assert f'action="/actions/{action.pk}/issue/"' in listing
    assert "Create an issue" in listing
    create(client, action, tracker, next_url="/t/platform/actions/?status=open")
    listing = client.get("/t/platform/actions/").content.decode()
    assert "GitHub issue #1" in listing
    assert f'action="/actions/{action.pk}/issue/"' not in listing


def test_a_tracker_of_another_team_cannot_be_chosen(client_for, personas, fake, github):
    tracker, _secret = github
    other_action = add_action(personas, owner=None)
    Action.objects.filter(pk=other_action.pk).update(team=personas.other_team)
    response = client_for("other").post(
        f"/actions/{other_action.pk}/issue/", {"tracker": tracker.pk}
    )
    assert response.status_code == 302
    assert not Issue.objects.exists()
    assert fake.requests == []


def test_with_two_trackers_the_row_asks_which(client_for, personas, fake, github, gitlab, action):
    listing = client_for("member").get("/t/platform/actions/").content.decode()
    assert f'id="issue-tracker-row-{action.pk}"' in listing
    assert "GitLab · acme/platform" in listing


def test_the_review_summary_offers_it_and_shows_the_link(client_for, personas, fake, github):
    from marblejar.reviews.models import Phase

    tracker, _secret = github
    review = Review.objects.create(
        organization=personas.org,
        team=personas.team,
        title="Sprint 14",
        purpose="Learn",
        agenda="All",
        phase=Phase.CLOSED,
        closed_at=timezone.now(),
        facilitator=personas.lead,
        created_by=personas.lead,
    )
    action = add_action(personas)
    Action.objects.filter(pk=action.pk).update(review=review)
    client = client_for("member")
    summary = client.get(f"/r/{review.pk}/summary/").content.decode()
    assert f'action="/actions/{action.pk}/issue/"' in summary
    response = create(client, action, tracker, next_url=f"/r/{review.pk}/summary/")
    assert response["Location"] == f"/r/{review.pk}/summary/"
    summary = client.get(f"/r/{review.pk}/summary/").content.decode()
    assert 'href="https://github.com/acme/platform/issues/1"' in summary


def test_done_and_dropped_actions_are_not_offered(client_for, personas, fake, github):
    from marblejar.reviews import services as review_services

    done = add_action(personas, title="Done already")
    review_services.action_set_status(actor=personas.lead, action=done, status="done")
    listing = client_for("member").get("/t/platform/actions/").content.decode()
    assert f'action="/actions/{done.pk}/issue/"' not in listing
    page = client_for("member").get(f"/actions/{done.pk}/").content.decode()
    assert "It is done: there is nothing left to track." in page
