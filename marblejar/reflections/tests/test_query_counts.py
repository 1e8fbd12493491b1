"""List pages cost the same number of queries for 3 items as for 15 (no N+1)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from marblejar.reflections import services
from marblejar.reflections.models import Kind

pytestmark = pytest.mark.django_db


def add_reflections(p, n: int) -> None:
    for i in range(n):
        reflection = services.reflection_create(
            author=(p.lead, p.member, p.member2)[i % 3],
            team=p.team,
            kind=Kind.LESSON,
            title=f"Lesson {i}",
            body="Text",
            tags=f"tag{i}, shared",
            publish=True,
        )
        reactor = p.member if reflection.author != p.member else p.lead
        services.reaction_add(user=reactor, reflection=reflection, kind="thanks")
        services.comment_create(author=reactor, reflection=reflection, body="Thanks")


def queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


@pytest.mark.parametrize(
    "url",
    [
        "/t/platform/",
        "/t/platform/reflections/",
        "/t/platform/jar/",
        "/api/v1/reflections?team=platform",
        "/api/v1/teams/platform/marbles",
    ],
)
def test_list_pages_do_not_query_per_item(personas, client_for, url):
    client = client_for("member2")
    add_reflections(personas, 3)
    client.get(url)  # the first visit to a team page makes it the current team (a session write)
    few = queries(client, url)
    add_reflections(personas, 12)
    assert queries(client, url) == few
