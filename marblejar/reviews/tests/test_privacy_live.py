"""Against a real server: another participant's raw event stream and pages never carry a
note's text before the reveal (a column note, or "what I knew" on a timeline event), and a
reconnecting client replays to exactly the current state."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from marblejar.reviews import services
from marblejar.reviews.models import Phase
from marblejar.reviews.tests.helpers import advance_to, schedule
from marblejar.reviews.tests.live import RawStream, csrf_post, session_client
from marblejar.test import make_personas

pytestmark = pytest.mark.slow

SECRET = "I restarted the primary without telling anyone"
SENSE = "The replica looked healthy, so a restart seemed safe"
PARTS = ("phase", "presence", "columns", "timeline")


def everything(client, review_id: int) -> str:
    """The board, its parts, and the summary so far with its Markdown, as this reader gets them."""
    pages = [client.get(reverse("reviews:board", args=[review_id])).text]
    for part in PARTS:
        pages.append(client.get(reverse("reviews:section", args=[review_id, part])).text)
    for name in ("summary", "summary_md"):
        pages.append(client.get(reverse(f"reviews:{name}", args=[review_id])).text)
    return "\n".join(pages)


def hidden(html: str) -> bool:
    return SECRET not in html and SENSE not in html


@pytest.mark.parametrize("anonymous", [False, True], ids=["named", "anonymous"])
def test_no_note_text_reaches_another_participant_before_the_reveal(live_marblejar, anonymous):
    p = make_personas()
    review = schedule(p, anonymous=anonymous, template="builtin:incident")
    event = services.timeline_event_add(
        actor=p.member2, review=review, happened_at=timezone.now(), what="Replica lag alert"
    )
    review = advance_to(review, Phase.GO_FIRST, by=p.lead)
    board = reverse("reviews:board", args=[review.pk])
    events_url = reverse("reviews:events", args=[review.pk])
    author = session_client(live_marblejar, p.member)
    watcher = session_client(live_marblejar, p.member2)
    lead = session_client(live_marblejar, p.lead)

    with RawStream(watcher, events_url) as stream, RawStream(lead, events_url) as lead_stream:
        notes_url = reverse("reviews:note_add", args=[review.pk])
        response = csrf_post(author, notes_url, {"column": "surprised", "text": SECRET}, board)
        assert response.status_code == 200 and SECRET in response.text
        response = csrf_post(author, notes_url, {"timeline_event": event.pk, "text": SENSE}, board)
        assert response.status_code == 200 and SENSE in response.text
        stream.wait_for("review_notes", count=2)
        lead_stream.wait_for("review_notes", count=2)
        # The lead has not gone first: nobody but the author can read either.
        for client in (watcher, lead):
            html = everything(client, review.pk)
            assert hidden(html)
            assert "1 note so far" in html and "1 private note on the timeline so far" in html
            assert "Replica lag alert" in html

        services.go_first_write(actor=p.lead, review=review, part="My part", revisit="X")
        services.review_advance_phase(actor=p.lead, review=review)  # reflect
        stream.wait_for("review_phase", count=2)
        assert hidden(everything(watcher, review.pk))
        assert hidden(stream.raw) and hidden(lead_stream.raw)

        services.review_advance_phase(actor=p.lead, review=review)  # group: the reveal
        stream.wait_for("review_phase", count=3)
        html = everything(watcher, review.pk)
        assert SECRET in html and SENSE in html
    assert hidden(stream.raw)  # the stream itself never carries them, even after

    # A client that lost its connection replays everything it missed, and the
    # board it then fetches is the current one. Seven phase signals: the event
    # added, the three moves to go first, going first, reflect and the reveal.
    with RawStream(watcher, events_url, headers={"Last-Event-ID": "0"}) as replay:
        replay.wait_for("review_phase", count=7)
    kinds = [kind for _id, kind, _data in replay.events]
    assert kinds.count("review_notes") == 2 and kinds[-1] == "review_phase"
    assert replay.events[-1][2] == Phase.GROUP
    assert hidden(replay.raw)
    assert 'data-phase="group"' in watcher.get(board).text


def test_a_stranger_gets_no_stream(live_marblejar):
    p = make_personas()
    review = schedule(p)
    url = reverse("reviews:events", args=[review.pk])
    assert session_client(live_marblejar, p.other).get(url).status_code == 404
    assert session_client(live_marblejar, p.admin).get(url).status_code == 404
