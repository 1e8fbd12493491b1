from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from marblejar.jar.models import Crack, Marble
from marblejar.jar.tests.helpers import release_reports

pytestmark = pytest.mark.django_db

MISTAKE = {
    "team": "platform",
    "kind": "mistake",
    "title": "Dropped the wrong table",
    "what_happened": "I ran the cleanup script against production.",
    "correction": "Restored from the nightly backup and told the affected customers.",
    "tags": ["databases"],
    "publish": True,
}


def test_a_lead_posts_a_mistake_and_a_member_s_thanks_drops_a_marble(api_for, personas):
    created = api_for("lead").post("/reflections", MISTAKE)
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["by_lead"] is True and body["team"] == "platform" and body["tags"] == ["databases"]
    rid = body["id"]
    reacted = api_for("member").call("PUT", f"/reflections/{rid}/reactions/thanks")
    assert reacted.status_code == 200
    thanks = next(r for r in reacted.json() if r["kind"] == "thanks")
    assert thanks == {"kind": "thanks", "label": "Thank you", "count": 1, "mine": True}
    jar = api_for("member2").get("/teams/platform/jar").json()
    assert jar["total"] == 1 and jar["by_month"][-1]["count"] == 1
    marbles = api_for("member2").get("/teams/platform/marbles").json()["items"]
    assert marbles[0]["act"] == "mistake" and marbles[0]["response"] == "thanks"
    assert marbles[0]["act_by"] == "Lena Lead" and marbles[0]["response_by"] == "Max Member"


def test_there_is_no_down_vote(api_for):
    rid = api_for("lead").post("/reflections", MISTAKE).json()["id"]
    response = api_for("member").call("PUT", f"/reflections/{rid}/reactions/downvote")
    assert response.status_code == 422
    assert response.json()["detail"]


def test_bad_input_answers_4xx_with_a_readable_detail(api_for):
    empty = api_for("member").post("/reflections", {**MISTAKE, "correction": ""})
    assert empty.status_code == 400
    assert "correct it" in empty.json()["detail"]
    assert "correction" in empty.json()["errors"]
    huge = api_for("member").post(
        "/reflections", {**MISTAKE, "what_happened": "x" * 20_001, "publish": False}
    )
    assert huge.status_code == 400 and "20,000" in huge.json()["detail"]
    wrong_kind = api_for("member").post("/reflections", {**MISTAKE, "kind": "rant"})
    assert wrong_kind.status_code == 422 and "kind" in wrong_kind.json()["detail"]
    no_team = api_for("member").post("/reflections", {**MISTAKE, "team": "nope"})
    assert no_team.status_code == 404 and no_team.json()["detail"]


def test_drafts_are_private_and_published_by_patch(api_for):
    draft = api_for("member").post("/reflections", {**MISTAKE, "publish": False}).json()
    assert draft["status"] == "draft"
    assert api_for("lead").get(f"/reflections/{draft['id']}").status_code == 404
    assert [d["id"] for d in api_for("member").get("/reflections/drafts").json()] == [draft["id"]]
    published = api_for("member").patch(f"/reflections/{draft['id']}", {"publish": True})
    assert published.status_code == 200 and published.json()["status"] == "published"
    assert published.json()["tags"] == ["databases"]
    assert (
        api_for("lead").patch(f"/reflections/{draft['id']}", {"title": "Mine"}).status_code == 403
    )


def test_comments_offers_hiding_and_reporting(api_for, personas):
    ask = api_for("member").post(
        "/reflections",
        {"team": "platform", "kind": "help", "title": "Help with Terraform",
         "body": "The state lock never clears.", "publish": True},
    ).json()  # fmt: skip
    offer = api_for("member2").post(
        f"/reflections/{ask['id']}/comments", {"body": "I can pair at 3.", "offers_help": True}
    )
    assert offer.status_code == 201 and offer.json()["offers_help"] is True
    assert Marble.objects.get().response == "offer"
    cid = offer.json()["id"]
    assert (
        api_for("lead").post(f"/reflections/{ask['id']}/comments/{cid}/hide", {}).status_code == 403
    )
    hidden = api_for("member").post(f"/reflections/{ask['id']}/comments/{cid}/hide", {})
    assert hidden.json()["hidden"] is True
    assert api_for("lead").get(f"/reflections/{ask['id']}/comments").json() == []
    report = api_for("lead").post(
        f"/reflections/{ask['id']}/comments/{cid}/report", {"text": "Tone"}
    )
    assert report.status_code == 202 and set(report.json()) == {"visible_on"}
    release_reports()
    assert Crack.objects.get().comment_id == cid


def test_learning_in_progress_through_the_api(api_for):
    learning = api_for("member").post(
        "/reflections",
        {"team": "platform", "kind": "learning", "title": "Learning Rust",
         "skill": "Rust lifetimes", "body": "The borrow checker wins.", "publish": True},
    ).json()  # fmt: skip
    rid = learning["id"]
    bad = api_for("member").post(
        f"/reflections/{rid}/practice", {"practised_on": "2150-01-01", "minutes": 0}
    )
    assert bad.status_code == 400 and set(bad.json()["errors"]) == {"practised_on", "minutes"}
    ok = api_for("member").post(
        f"/reflections/{rid}/practice", {"practised_on": "2024-05-01", "minutes": 45}
    )
    assert ok.status_code == 201
    assert api_for("lead").get(f"/reflections/{rid}/practice").json()[0]["minutes"] == 45
    update = api_for("member").post(f"/reflections/{rid}/updates", {"body": "It clicked."})
    assert update.status_code == 201 and update.json()["update_of"] == rid
    assert api_for("lead").post(f"/reflections/{rid}/updates", {"body": "x"}).status_code == 403


def test_send_to_a_teammate(api_for, personas):
    rid = api_for("lead").post("/reflections", MISTAKE).json()["id"]
    sent = api_for("lead").post(
        f"/reflections/{rid}/send", {"recipient_id": personas.member.pk, "note": "Have a look"}
    )
    assert sent.status_code == 204 and mail.outbox[0].to == [personas.member.email]
    outsider = api_for("lead").post(
        f"/reflections/{rid}/send", {"recipient_id": personas.outsider.pk}
    )
    assert outsider.status_code == 400


def test_marbles_by_hand_and_cracks_through_the_api(api_for, personas):
    empty = api_for("member").post("/teams/platform/marbles", {"description": " "})
    assert empty.status_code == 400 and empty.json()["detail"]
    dropped = api_for("member").post(
        "/teams/platform/marbles",
        {"description": "Mia admitted the outage was hers.", "named_user_id": personas.member2.pk},
    )
    assert dropped.status_code == 201
    mid = dropped.json()["id"]
    assert api_for("lead").delete(f"/teams/platform/marbles/{mid}").status_code == 403
    assert api_for("member2").delete(f"/teams/platform/marbles/{mid}").status_code == 204

    receipt = api_for("member").post("/teams/platform/cracks", {"text": "Eye-rolling."})
    assert receipt.status_code == 202
    assert receipt.json()["visible_on"] == str(timezone.localdate() + timedelta(days=1))
    assert api_for("lead").get("/teams/platform/cracks").json() == []
    release_reports()
    cid = api_for("lead").get("/teams/platform/cracks").json()[0]["id"]
    assert api_for("member2").get("/teams/platform/cracks").json()[0]["text"] is None
    assert api_for("lead").get("/teams/platform/cracks").json()[0]["text"] == "Eye-rolling."
    assert (
        api_for("member2").post(f"/teams/platform/cracks/{cid}/acknowledge", {}).status_code == 403
    )
    done = api_for("lead").post(
        f"/teams/platform/cracks/{cid}/acknowledge", {"response": "Noted; let's talk."}
    )
    assert done.status_code == 200 and done.json()["acknowledged_on"]
    again = api_for("lead").post(f"/teams/platform/cracks/{cid}/acknowledge", {})
    assert again.status_code == 400
    assert api_for("other").get("/teams/platform/cracks").status_code == 404
    assert api_for("outsider").get("/teams/platform/jar").json()["total"] == 0  # their own team


def test_read_only_tokens_cannot_react(api_for):
    rid = api_for("lead").post("/reflections", MISTAKE).json()["id"]
    response = api_for("member", read_only=True).call("PUT", f"/reflections/{rid}/reactions/thanks")
    assert response.status_code == 403
    assert not Marble.objects.exists()
