from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.utils import timezone

from marblejar.reviews import services as review_services
from marblejar.reviews.models import Action
from marblejar.trackers import services
from marblejar.trackers.models import Kind, Tracker
from marblejar.trackers.tests import fake_trackers as ft


@pytest.fixture(autouse=True)
def _loopback_trackers(settings) -> None:
    # The trackers of these tests run on loopback, which production refuses.
    settings.INTEGRATIONS_ALLOW_PRIVATE = True
    settings.TRACKER_TIMEOUT_SECONDS = 2
    settings.SITE_URL = "https://marblejar.example.com"


@pytest.fixture
def fake() -> Iterator[ft.FakeTrackers]:
    server = ft.FakeTrackers().start()
    yield server
    server.stop()


def connect(p, fake: ft.FakeTrackers, kind: str, **extra) -> tuple[Tracker, str]:
    values = {
        Kind.GITHUB: {"project": ft.GITHUB_REPO, "token": ft.GITHUB_TOKEN},
        Kind.GITLAB: {"project": ft.GITLAB_PATH, "token": ft.GITLAB_TOKEN},
        Kind.JIRA: {
            "project": ft.JIRA_KEY,
            "token": ft.JIRA_TOKEN,
            "email": ft.JIRA_EMAIL,
            "issue_type": "Task",
        },
    }[Kind(kind)]
    return services.tracker_connect(
        actor=p.lead, team=p.team, kind=kind, base_url=fake.url, **(values | extra)
    )


@pytest.fixture
def github(personas, fake) -> tuple[Tracker, str]:
    return connect(personas, fake, Kind.GITHUB)


@pytest.fixture
def gitlab(personas, fake) -> tuple[Tracker, str]:
    return connect(personas, fake, Kind.GITLAB)


@pytest.fixture
def jira(personas, fake) -> tuple[Tracker, str]:
    return connect(personas, fake, Kind.JIRA)


def add_action(p, title: str = "Put the freeze dates in the team calendar", **extra) -> Action:
    today = timezone.localdate()
    return review_services.action_add(
        actor=p.lead,
        team=p.team,
        title=title,
        expected_effect="Nobody is surprised by a freeze in the next cycle.",
        due_on=today + timedelta(days=7),
        check_on=today + timedelta(days=28),
        **({"owner": p.member} | extra),
    )


@pytest.fixture
def action(personas) -> Action:
    return add_action(personas)
