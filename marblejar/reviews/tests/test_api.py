"""The reviews API: a whole review through it (live, and asynchronous to its close on
time), the reveal, and readable 4xx answers."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from marblejar.reviews import services
from marblejar.reviews.models import NoteAuthorship, Phase, Review, Vote

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
    # Before the reveal another participant gets the number of notes, never the text; and
    # in an anonymous review not even a column's count, which would say who wrote in it.
    assert call(member2, "GET", f"/reviews/{rid}/notes") == (200, [])
    status, detail = call(member2, "GET", f"/reviews/{rid}")
    assert detail["note_total"] == 1
    assert {c["note_count"] for c in detail["columns"]} == {None}
    status, body = call(lead, "POST", f"/reviews/{rid}/advance")
    assert status == 400 and "Go first" in body["detail"]
    status, _go = call(lead, "PUT", f"/reviews/{rid}/go-first", {"part": "Mine", "revisit": "X"})
    assert status == 200
    call(lead, "POST", f"/reviews/{rid}/advance")  # reflect
    call(lead, "POST", f"/reviews/{rid}/advance")  # group: the reveal
    status, detail = call(member2, "GET", f"/reviews/{rid}")
    assert {c["key"]: c["note_count"] for c in detail["columns"]}["puzzled"] == 1
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


# Asynchronous reviews ---------------------------------------------------------------


def when(value: str) -> datetime:
    return datetime.fromisoformat(value)


def schedule_async(client, open_until: datetime, **extra) -> dict:
    body = {
        "title": "Async retro",
        "purpose": "Learn from the quarter, in our own time.",
        "agenda": "Safety check, go first, notes over the week, themes, votes, actions.",
        "mode": "async",
        "open_until": open_until.isoformat(),
        **extra,
    }
    status, review = call(client, "POST", "/teams/platform/reviews", body)
    assert status == 201, review
    return review


def advance(client, rid: int, *, expected: str) -> dict:
    status, review = call(client, "POST", f"/reviews/{rid}/advance", {"expected": expected})
    assert status == 200, review
    return review


def test_an_asynchronous_review_through_the_api_closes_on_its_own(personas, client_for):
    lead, member, member2 = client_for("lead"), client_for("member"), client_for("member2")
    # Whole seconds: the API gives times to the millisecond.
    open_until = timezone.now().replace(microsecond=0) + timedelta(days=3)
    review = schedule_async(lead, open_until, anonymous=True, votes_per_person=2)
    assert review["mode"] == "async" and when(review["open_until"]) == open_until
    rid = review["id"]

    # Monday: the facilitator starts it; people answer the safety check when they come by.
    assert advance(lead, rid, expected="scheduled")["phase"] == "checkin"
    for client, value in ((member2, 4), (lead, 3), (member, 4)):
        assert call(client, "POST", f"/reviews/{rid}/safety", {"value": value})[0] == 204
    advance(lead, rid, expected="checkin")
    advance(lead, rid, expected="followup")
    # Tuesday: Max writes before the lead has gone first; Mia sees a count, not the text.
    status, _note = call(
        member, "POST", f"/reviews/{rid}/notes", {"column": "puzzled", "text": "M"}
    )
    assert status == 201
    assert call(member2, "GET", f"/reviews/{rid}/notes") == (200, [])
    status, _go = call(lead, "PUT", f"/reviews/{rid}/go-first", {"part": "Mine", "revisit": "X"})
    assert status == 200
    advance(lead, rid, expected="go_first")
    # Thursday: Mia writes hers; the facilitator gives everyone two more days.
    status, _note = call(
        member2, "POST", f"/reviews/{rid}/notes", {"column": "try_next", "text": "T"}
    )
    assert status == 201
    new_close = open_until + timedelta(days=2)
    status, review = call(lead, "PATCH", f"/reviews/{rid}", {"open_until": new_close.isoformat()})
    assert status == 200 and when(review["open_until"]) == new_close
    # The first time comes and goes: the review stays open.
    assert services.review_advance_due(now=open_until + timedelta(minutes=1)) == {
        "closed": 0,
        "reminded": 0,
        "failed": 0,
    }
    assert call(member, "GET", f"/reviews/{rid}")[1]["phase"] == "reflect"

    advance(lead, rid, expected="reflect")  # group: the reveal
    status, notes = call(member2, "GET", f"/reviews/{rid}/notes")
    assert sorted(n["text"] for n in notes) == ["M", "T"]
    status, theme = call(member, "POST", f"/reviews/{rid}/themes", {"title": "Release"})
    for note in notes:
        call(member, "PATCH", f"/reviews/{rid}/notes/{note['id']}", {"theme": theme["id"]})
    advance(lead, rid, expected="group")  # vote
    votes = f"/reviews/{rid}/themes/{theme['id']}/votes"
    assert call(member, "POST", votes)[0] == call(member, "POST", votes)[0] == 201
    assert call(member2, "POST", votes) == (201, {"votes_left": 1})
    assert Vote.objects.filter(review_id=rid).count() == 3

    # Nobody moves it on: at its (new) open-until time it closes on its own.
    later = new_close + timedelta(minutes=1)
    assert services.review_advance_due(now=later) == {"closed": 1, "reminded": 0, "failed": 0}
    assert services.review_advance_due(now=later) == {"closed": 0, "reminded": 0, "failed": 0}
    status, review = call(member2, "GET", f"/reviews/{rid}")
    assert review["phase"] == "closed" and review["closed_by_clock"]
    assert when(review["closed_at"]) == new_close
    # The votes became a total and who voted for what is gone; so is who wrote which note.
    assert call(member2, "GET", f"/reviews/{rid}/themes")[1] == [
        {"id": theme["id"], "title": "Release", "vote_count": 3, "my_votes": None}
    ]
    assert not Vote.objects.filter(review_id=rid).exists()
    assert not NoteAuthorship.objects.filter(review_id=rid).exists()
    status, notes = call(member, "GET", f"/reviews/{rid}/notes")
    assert sorted(n["text"] for n in notes) == ["M", "T"]
    assert not any(n["mine"] or n["author"] for n in notes)
    # The summary is there to read, and says how it closed.
    summary = member2.get(reverse("reviews:summary", args=[rid])).content.decode()
    assert "It closed on its own at its open-until time" in summary
    assert "Release" in summary and "3 votes" in summary
    markdown = member2.get(reverse("reviews:summary_md", args=[rid])).content.decode()
    assert "### Release (3 votes)" in markdown and "- M" in markdown and "- T" in markdown


def test_a_review_closed_by_hand_before_its_time_is_left_alone_by_the_clock(
    personas, client_for, django_capture_on_commit_callbacks
):
    lead = client_for("lead")
    open_until = timezone.now() + timedelta(days=3)
    rid = schedule_async(lead, open_until)["id"]
    for phase in ("scheduled", "checkin", "followup"):
        advance(lead, rid, expected=phase)
    call(lead, "PUT", f"/reviews/{rid}/go-first", {"part": "Mine", "revisit": "X"})
    advance(lead, rid, expected="go_first")
    advance(lead, rid, expected="reflect")
    call(lead, "POST", f"/reviews/{rid}/themes", {"title": "Release"})
    for phase in ("group", "vote", "discuss"):
        advance(lead, rid, expected=phase)
    review = advance(lead, rid, expected="actions")
    assert review["phase"] == "closed" and not review["closed_by_clock"]
    closed_at = review["closed_at"]

    # The reminder's moment and the close's come: the clock has nothing left to do.
    with django_capture_on_commit_callbacks(execute=True):
        for now in (open_until - timedelta(hours=23), open_until + timedelta(minutes=1)):
            assert services.review_advance_due(now=now) == {"closed": 0, "reminded": 0, "failed": 0}
    assert mail.outbox == []
    status, review = call(client_for("member"), "GET", f"/reviews/{rid}")
    assert review["phase"] == "closed" and not review["closed_by_clock"]
    assert review["closed_at"] == closed_at


def test_after_its_time_an_advance_closes_it_and_reveals_nothing(personas, client_for):
    lead, member2 = client_for("lead"), client_for("member2")
    rid = schedule_async(lead, timezone.now() + timedelta(days=3))["id"]
    for phase in ("scheduled", "checkin", "followup"):
        advance(lead, rid, expected=phase)
    call(client_for("member"), "POST", f"/reviews/{rid}/notes", {"column": "puzzled", "text": "M"})
    call(lead, "PUT", f"/reviews/{rid}/go-first", {"part": "Mine", "revisit": "X"})
    advance(lead, rid, expected="go_first")
    # Its time passes with no worker running and nobody looking at it; then
    # the facilitator, whose board is stale, moves on to the reveal.
    past = timezone.now().replace(microsecond=0) - timedelta(minutes=5)
    Review.objects.filter(pk=rid).update(open_until=past)
    status, body = call(lead, "POST", f"/reviews/{rid}/advance", {"expected": "reflect"})
    assert status == 403 and "nothing more can be added to it" in body["detail"]
    status, review = call(lead, "GET", f"/reviews/{rid}")
    assert review["phase"] == "closed" and review["closed_by_clock"]
    assert when(review["closed_at"]) == past
    assert Review.objects.get(pk=rid).closed_from == Phase.REFLECT
    assert call(member2, "GET", f"/reviews/{rid}/notes") == (200, [])
