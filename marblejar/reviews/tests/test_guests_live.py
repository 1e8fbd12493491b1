"""A guest's live stream ends with their part in the review, on a real server."""

from __future__ import annotations

import re

import httpx
import pytest

from marblejar.lib import events
from marblejar.realtime.tests.streams import LiveStream
from marblejar.reviews import selectors, services
from marblejar.reviews.models import Phase
from marblejar.reviews.tests.helpers import advance_to, schedule
from marblejar.test import make_personas

pytestmark = pytest.mark.slow

ENDS_WITHIN = 5.0


def join_as_guest(server, token: str, name: str = "Gus Guest") -> httpx.Client:
    client = httpx.Client(base_url=server.url, timeout=10)
    page = client.get(f"/guest/{token}/")
    assert page.status_code == 200
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    response = client.post(
        f"/guest/{token}/",
        data={"display_name": name, "csrfmiddlewaretoken": csrf},
        headers={"Referer": f"{server.url}/guest/{token}/"},
    )
    assert response.status_code == 302, response.text
    return client


def without_csrf_a_guest_cannot_join(server, token: str) -> None:
    client = httpx.Client(base_url=server.url, timeout=10)
    response = client.post(f"/guest/{token}/", data={"display_name": "No token"})
    assert response.status_code == 403


@pytest.mark.parametrize("how", ["close", "revoke"])
def test_the_guests_stream_ends_with_a_closed_frame(live_marblejar, how):
    p = make_personas()
    review = advance_to(schedule(p), Phase.REFLECT, by=p.lead)
    link = services.guest_link_create(actor=p.lead, review=review)
    token = services.guest_link_token(link)
    without_csrf_a_guest_cannot_join(live_marblejar, token)
    guest = join_as_guest(live_marblejar, token)

    def signal() -> None:
        events.publish(
            organization_id=p.org.pk, stream=review.stream, kind="review_notes", payload={}
        )

    if how == "close":
        # Up to the last phase first: the phases on the way are the guest's to follow.
        advance_to(review, Phase.ACTIONS, by=p.lead)
    after = selectors.review_last_event_id(review=review)
    with LiveStream(guest, f"/r/{review.pk}/events/?after={after}") as stream:
        signal()
        assert [kind for _id, kind, _data in stream.wait_for(1)] == ["review_notes"]
        if how == "close":
            advance_to(review, Phase.CLOSED, by=p.lead)
        else:
            services.guest_link_revoke(actor=p.lead, review=review)
        signal()
        assert stream.ended.wait(ENDS_WITHIN), "the guest's stream is still open"
        assert stream.told_closed
    # Nothing after the end reached the guest (not even the close's own signal).
    assert [kind for _id, kind, _data in stream.events] == ["review_notes"]
    # Asked again, the stream tells the browser to stop reconnecting.
    assert guest.get(f"/r/{review.pk}/events/").status_code == 204
    page = guest.get(f"/r/{review.pk}/", follow_redirects=True)
    assert "This review has ended" in page.text
