"""The bell's live stream, read as a browser reads it, from a real server."""

from __future__ import annotations

import pytest

from marblejar.notifications import services
from marblejar.realtime.tests.streams import LiveStream
from marblejar.realtime.tests.test_access import login
from marblejar.test import make_personas

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_bell_hears_of_a_new_notification_and_no_one_elses(live_marblejar):
    p = make_personas()
    with (
        LiveStream(login(live_marblejar, p.member.email), "/notifications/events/") as mine,
        LiveStream(login(live_marblejar, p.member2.email), "/notifications/events/") as theirs,
    ):
        services.notify(
            recipients=[p.member],
            kind="reflection_comment",
            url="/reflections/1/",
            params={"actor": "Mia Member", "title": "A title"},
            team=p.team,
        )
        events = mine.wait_for(1)
        assert [kind for _id, kind, _data in events] == ["notification"]
        assert 'class="bell-count">1<' in events[0][2]
        assert theirs.wait_for(1, timeout=2) == []
