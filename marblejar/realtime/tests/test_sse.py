"""The event stream against a real server: live delivery and replay by Last-Event-ID."""

from __future__ import annotations

import threading
import time

import httpx
import pytest

from marblejar.accounts.models import User
from marblejar.realtime.models import Event
from marblejar.teams import services
from marblejar.test import PASSWORD, make_personas

pytestmark = pytest.mark.slow


def login(server, email: str) -> httpx.Client:
    client = httpx.Client(base_url=server.url, timeout=10)
    page = client.get("/login/")
    token = page.cookies.get("csrftoken") or client.cookies.get("csrftoken")
    response = client.post(
        "/login/",
        data={"username": email, "password": PASSWORD, "csrfmiddlewaretoken": token},
        headers={"Referer": f"{server.url}/login/"},
    )
    assert response.status_code == 302, response.text
    return client


def read_events(client: httpx.Client, url: str, want: int, headers=None, timeout=15.0):
    """Read SSE frames until ``want`` events arrived; returns [(id, kind, data)]."""
    events: list[tuple[int, str, str]] = []
    with client.stream("GET", url, headers=headers or {}, timeout=timeout) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        frame: dict[str, str] = {}
        for line in response.iter_lines():
            if line == "":
                if "event" in frame:
                    events.append((int(frame["id"]), frame["event"], frame.get("data", "")))
                    if len(events) >= want:
                        return events
                frame = {}
                continue
            if line.startswith(":"):
                continue
            key, _, value = line.partition(": ")
            frame[key] = (frame[key] + "\n" + value) if key == "data" and key in frame else value
    return events


def test_it_streams_a_join_live_and_replays_it_by_last_event_id(live_marblejar):
    p = make_personas()
    client = login(live_marblejar, p.lead.email)
    url = f"/t/{p.team.slug}/events/"
    received: list = []

    def listen():
        received.extend(read_events(client, url, want=1))

    listener = threading.Thread(target=listen)
    listener.start()
    time.sleep(1.0)  # let the stream subscribe
    newcomer = User.objects.create_user(
        "nina@acme.test", PASSWORD, display_name="Nina New", organization=p.org
    )
    invitation, _raw = services.invitation_create(actor=p.lead, team=p.team, send=False)
    services.invitation_accept(invitation=invitation, user=newcomer)
    listener.join(timeout=20)
    assert received, "no event arrived"
    event_id, kind, data = received[0]
    assert kind == "member_joined"
    assert "Nina New joined the team." in data

    # A client that reconnects with an older Last-Event-ID gets what it missed.
    Event.objects.create(
        organization=p.org,
        stream=f"team:{p.team.pk}",
        kind="member_joined",
        payload={"display_name": "Later Larry"},
    )
    replay = read_events(client, url, want=1, headers={"Last-Event-ID": str(event_id)})
    assert replay[0][2].strip() == "<li>Later Larry joined the team.</li>"


def test_it_refuses_the_stream_to_someone_outside_the_team(live_marblejar):
    p = make_personas()
    client = login(live_marblejar, p.other.email)
    response = client.get(f"/t/{p.team.slug}/events/")
    assert response.status_code == 404
    anonymous = httpx.get(f"{live_marblejar.url}/t/{p.team.slug}/events/")
    assert anonymous.status_code == 403
