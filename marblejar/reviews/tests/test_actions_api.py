"""Improvement actions over the API: the same rules as on the pages."""

from __future__ import annotations

import pytest

from marblejar.reviews.models import Action

pytestmark = pytest.mark.django_db

BODY = {
    "title": "Put the freeze in the calendar",
    "expected_effect": "Nobody is surprised.",
    "due_on": "2030-01-01",
    "check_on": "2030-02-01",
}


def call(client, method: str, url: str, body=None):
    import json

    return client.generic(method, url, json.dumps(body or {}), content_type="application/json")


def test_a_team_lists_adds_edits_moves_on_and_checks_its_actions(personas, client_for):
    client = client_for("member")
    created = call(client, "POST", "/api/v1/teams/platform/actions", {**BODY, "owner_id": None})
    assert created.status_code == 201, created.json()
    action = created.json()
    assert action["owner"] is None and action["review"] is None and action["team"] == "platform"
    url = f"/api/v1/actions/{action['id']}"
    edited = call(client, "PUT", url, {**BODY, "owner_id": personas.member2.pk})
    assert edited.status_code == 200 and edited.json()["owner"] == "Mia Member"
    refused = call(client, "PATCH", url, {"status": "dropped"})
    assert refused.status_code == 400 and "Say why it is dropped" in refused.json()["detail"]
    assert call(client, "PATCH", url, {"status": "done"}).json()["status"] == "done"
    checked = call(client, "POST", f"{url}/check", {"result": "partly", "note": "Mostly."})
    assert checked.json()["check_result"] == "partly"
    assert call(client, "POST", f"{url}/check", {"result": "maybe"}).status_code == 400
    listed = client.get("/api/v1/teams/platform/actions?status=done")
    assert [a["id"] for a in listed.json()] == [action["id"]]
    assert client.get("/api/v1/teams/platform/actions?status=open").json() == []
    assert client.get(url).json()["check_note"] == "Mostly."


@pytest.mark.parametrize("query", ["status=finished", "owner=x", "review=x", "sort=priority"])
def test_a_bad_filter_is_a_400_that_names_it(personas, client_for, query):
    response = client_for("member").get(f"/api/v1/teams/platform/actions?{query}")
    assert response.status_code == 400
    assert query.split("=")[0] in response.json()["errors"]


def test_an_owner_outside_the_team_is_refused(personas, client_for):
    response = call(
        client_for("member"),
        "POST",
        "/api/v1/teams/platform/actions",
        {**BODY, "owner_id": personas.other.pk},
    )
    assert response.status_code == 400 and "owner" in response.json()["errors"]
    assert not Action.objects.exists()
