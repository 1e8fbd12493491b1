"""The reviews API: a whole review through it, the reveal, and readable 4xx answers."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.django_db


def call(client, method: str, url: str, body: dict | None = None):
    response = client.generic(
        method, f"/api/v1{url}", json.dumps(body or {}), content_type="application/json"
    )
    return response.status_code, response.json() if response.content else None


def test_a_whole_review_through_the_api(personas, client_for):
    lead, member, member2 = client_for("lead"), client_for("member"), client_for("member2")
    status, review = call(
        lead,
        "POST",
        "/teams/platform/reviews",
        {"title": "API retro", "purpose": "Learn", "agenda": "All of it", "anonymous": True},
    )
    assert status == 201 and review["intent"] and review["phase"] == "scheduled"
    rid = review["id"]
    for _ in range(3):
        assert call(lead, "POST", f"/reviews/{rid}/advance")[0] == 200
    status, note = call(member, "POST", f"/reviews/{rid}/notes", {"column": "puzzled", "text": "S"})
    assert status == 201 and note["mine"] and note["author"] is None
    # Before the reveal another participant gets counts, never the text.
    assert call(member2, "GET", f"/reviews/{rid}/notes") == (200, [])
    status, detail = call(member2, "GET", f"/reviews/{rid}")
    assert {c["key"]: c["note_count"] for c in detail["columns"]}["puzzled"] == 1
    status, body = call(lead, "POST", f"/reviews/{rid}/advance")
    assert status == 400 and "Go first" in body["detail"]
    status, _go = call(lead, "PUT", f"/reviews/{rid}/go-first", {"part": "Mine", "revisit": "X"})
    assert status == 200
    call(lead, "POST", f"/reviews/{rid}/advance")  # reflect
    call(lead, "POST", f"/reviews/{rid}/advance")  # group: the reveal
    status, notes = call(member2, "GET", f"/reviews/{rid}/notes")
    assert [n["text"] for n in notes] == ["S"] and notes[0]["author"] is None
    status, theme = call(member2, "POST", f"/reviews/{rid}/themes", {"title": "Cache"})
    assert status == 201
    status, moved = call(
        member2, "PATCH", f"/reviews/{rid}/notes/{note['id']}", {"theme": theme["id"]}
    )
    assert status == 200 and moved["theme"] == theme["id"]
    call(lead, "POST", f"/reviews/{rid}/advance")  # vote
    assert call(member, "POST", f"/reviews/{rid}/themes/{theme['id']}/votes") == (
        201,
        {"votes_left": 2},
    )
    status, themes = call(member, "GET", f"/reviews/{rid}/themes")
    assert themes[0]["vote_count"] is None and themes[0]["my_votes"] == 1
    call(lead, "POST", f"/reviews/{rid}/advance")  # discuss
    status, themes = call(member2, "GET", f"/reviews/{rid}/themes")
    assert themes[0]["vote_count"] == 1 and themes[0]["my_votes"] is None
    status, body = call(
        member2,
        "POST",
        f"/reviews/{rid}/themes/{theme['id']}/questions",
        {"text": "Q?", "intent": ""},
    )
    assert status == 400 and "why you are asking" in body["detail"]
    status, question = call(
        member2,
        "POST",
        f"/reviews/{rid}/themes/{theme['id']}/questions",
        {"text": "Q?", "intent": "To learn."},
    )
    assert status == 201 and question["asked_by"] is None  # an anonymous review
    status, answered = call(
        lead, "POST", f"/reviews/{rid}/questions/{question['id']}/answer", {"answer": "A"}
    )
    assert status == 200 and answered["answer"] == "A"
    status, finding = call(
        member,
        "POST",
        f"/reviews/{rid}/themes/{theme['id']}/findings",
        {"kind": "factor", "text": "F"},
    )
    assert status == 201 and finding["kind"] == "factor"
    status, action = call(
        member,
        "POST",
        f"/reviews/{rid}/actions",
        {
            "title": "Warm the cache",
            "expected_effect": "No cold starts",
            "due_on": "2030-01-01",
            "check_on": "2030-02-01",
            "owner_id": personas.member.pk,
        },
    )
    assert status == 201 and action["owner"] == "Max Member"
    status, action = call(member2, "PATCH", f"/actions/{action['id']}", {"status": "done"})
    assert status == 200 and action["status"] == "done"


def test_bad_input_gets_a_readable_4xx(personas, client_for):
    lead = client_for("lead")
    status, body = call(
        lead, "POST", "/teams/platform/reviews", {"title": "x", "purpose": "", "agenda": ""}
    )
    assert status == 400 and set(body["errors"]) == {"purpose", "agenda"}
    status, body = call(lead, "POST", "/teams/platform/reviews", {"title": "x"})
    assert status == 422 and "purpose" in body["detail"]
    status, review = call(
        lead,
        "POST",
        "/teams/platform/reviews",
        {"title": "x", "purpose": "p", "agenda": "a", "template": "nope"},
    )
    assert status == 400 and "template" in review["errors"]
    status, body = call(client_for("member"), "POST", "/reviews/999999/advance")
    assert status == 404 and body["detail"]
