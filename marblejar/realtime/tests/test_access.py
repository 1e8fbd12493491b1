"""An open stream ends as soon as its reader may no longer read it.

Each test opens a real stream on a real server, shows it delivers, takes
access away the way it happens in the product, publishes again at once, and
reads what the stream received: it must end, and nothing published after
access ended may arrive.
"""

from __future__ import annotations

import httpx
import pytest
from django.contrib.sessions.models import Session
from django.utils import timezone

from conftest import start_server
from marblejar.accounts import services as account_services
from marblejar.accounts.models import User
from marblejar.lib import events
from marblejar.notifications import services as notification_services
from marblejar.realtime.tests.streams import LiveStream
from marblejar.realtime.tests.test_sse import login
from marblejar.reviews import services as review_services
from marblejar.teams import services as team_services
from marblejar.test import PASSWORD, make_personas

pytestmark = pytest.mark.slow

ENDS_WITHIN = 5.0
BEFORE = "<li>Nina New joined the team.</li>"


def someone_joins(p, name: str, email: str) -> None:
    newcomer = User.objects.create_user(email, PASSWORD, display_name=name, organization=p.org)
    invitation, _raw = team_services.invitation_create(actor=p.lead, team=p.team, send=False)
    team_services.invitation_accept(invitation=invitation, user=newcomer)


def watch(client: httpx.Client, p, headers=None) -> LiveStream:
    return LiveStream(client, f"/t/{p.team.slug}/events/", headers=headers)


def delivers_then_ends(stream: LiveStream, p, take_access_away) -> None:
    someone_joins(p, "Nina New", "nina@acme.test")
    assert stream.wait_for(1) and stream.data() == [BEFORE], "the stream did not deliver"
    take_access_away()
    someone_joins(p, "Omar Okafor", "omar@acme.test")
    assert stream.ended.wait(ENDS_WITHIN), "the stream is still open"
    assert stream.data() == [BEFORE], "an event published after access ended arrived"
    # The page is told, so the browser closes instead of reconnecting to a refusal.
    assert stream.told_closed


def test_a_member_removed_from_the_team_stops_receiving_its_events(live_marblejar):
    p = make_personas()
    with watch(login(live_marblejar, p.member.email), p) as stream:
        delivers_then_ends(
            stream,
            p,
            lambda: team_services.membership_remove(
                actor=p.lead, membership=p.membership(p.member)
            ),
        )


def test_a_stream_ends_when_its_session_logs_out(live_marblejar):
    p = make_personas()
    browser = login(live_marblejar, p.member.email)
    # The same browser session, in another tab.
    tab = httpx.Client(base_url=live_marblejar.url, cookies=browser.cookies, timeout=10)

    def log_out() -> None:
        response = tab.post(
            "/logout/",
            data={"csrfmiddlewaretoken": tab.cookies["csrftoken"]},
            headers={"Referer": f"{live_marblejar.url}/"},
        )
        assert response.status_code == 302

    with watch(browser, p) as stream:
        delivers_then_ends(stream, p, log_out)
    assert tab.get(f"/t/{p.team.slug}/events/").status_code == 403


def test_a_deactivated_account_stops_receiving_events(live_marblejar):
    p = make_personas()

    def deactivate() -> None:
        # As the admin site does it: the account is kept, inactive.
        p.member.is_active = False
        p.member.save()

    with watch(login(live_marblejar, p.member.email), p) as stream:
        delivers_then_ends(stream, p, deactivate)


def test_an_org_admin_outside_the_team_stops_receiving_its_events_once_no_longer_admin(
    live_marblejar,
):
    p = make_personas()

    def demote() -> None:
        p.admin.is_org_admin = False
        p.admin.save(update_fields=["is_org_admin"])

    with watch(login(live_marblejar, p.admin.email), p) as stream:
        delivers_then_ends(stream, p, demote)


def test_a_stream_opened_with_a_token_ends_when_the_token_is_revoked(live_marblejar):
    p = make_personas()
    token, raw = account_services.token_create(user=p.member, name="dashboard")
    script = httpx.Client(base_url=live_marblejar.url, timeout=10)
    headers = {"Authorization": f"Bearer {raw}"}
    with watch(script, p, headers=headers) as stream:
        assert stream.status == 200
        delivers_then_ends(
            stream, p, lambda: account_services.token_revoke(user=p.member, token_id=token.pk)
        )
    assert script.get(f"/t/{p.team.slug}/events/", headers=headers).status_code == 403


def test_a_review_stream_ends_when_its_reader_leaves_the_team(live_marblejar):
    p = make_personas()
    review = review_services.review_schedule(
        actor=p.lead,
        team=p.team,
        title="Release week",
        purpose="Learn from the release",
        agenda="What went well",
        template="builtin:went_well",
    )

    def signal() -> None:
        events.publish(
            organization_id=p.org.pk, stream=review.stream, kind="review_notes", payload={}
        )

    with LiveStream(login(live_marblejar, p.member.email), f"/r/{review.pk}/events/") as stream:
        signal()
        assert [kind for _id, kind, _data in stream.wait_for(1)] == ["review_notes"]
        team_services.membership_remove(actor=p.member, membership=p.membership(p.member))
        signal()
        assert stream.ended.wait(ENDS_WITHIN), "the stream is still open"
    assert [kind for _id, kind, _data in stream.events] == ["review_notes"]


def test_a_stream_ends_within_the_recheck_interval_even_without_a_notice(
    transactional_db, tmp_path
):
    # An expired session sends no notice; the stream finds out when it asks again.
    server = start_server(tmp_path, keepalive=1, extra_env={"MARBLEJAR_EVENTS_RECHECK": "1"})
    try:
        p = make_personas()
        browser = login(server, p.member.email)
        with watch(browser, p) as stream:
            Session.objects.filter(session_key=browser.cookies["sessionid"]).update(
                expire_date=timezone.now()
            )
            assert stream.ended.wait(ENDS_WITHIN), "the stream is still open"
    finally:
        server.stop()


def test_it_refuses_a_stream_to_an_unknown_token(live_marblejar):
    response = httpx.get(
        f"{live_marblejar.url}/t/platform/events/",
        headers={"Authorization": "Bearer mj_not-a-token"},
    )
    assert response.status_code == 403


def test_the_bell_stream_delivers_notifications_and_ends_at_log_out(live_marblejar):
    # The bell reads the person's own stream; access notices for the same
    # person travel beside it and must neither hide its events nor show.
    p = make_personas()
    browser = login(live_marblejar, p.member.email)

    def reacted() -> None:
        notification_services.notify(
            recipients=[p.member],
            kind="reflection_reaction",
            url="/",
            params={"actor": "Lena Lead", "reaction": "thank you", "title": "Mine"},
        )

    with LiveStream(browser, "/notifications/events/") as stream:
        reacted()
        assert [kind for _id, kind, _data in stream.wait_for(1)] == ["notification"]
        tab = httpx.Client(base_url=live_marblejar.url, cookies=browser.cookies, timeout=10)
        response = tab.post(
            "/logout/",
            data={"csrfmiddlewaretoken": tab.cookies["csrftoken"]},
            headers={"Referer": f"{live_marblejar.url}/"},
        )
        assert response.status_code == 302
        reacted()
        assert stream.ended.wait(ENDS_WITHIN), "the stream is still open"
    assert [kind for _id, kind, _data in stream.events] == ["notification"]
