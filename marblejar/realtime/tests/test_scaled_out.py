"""Two app processes behind one database and one Redis: an event caused through
one process reaches a client connected to the other, live and on replay."""

from __future__ import annotations

import re
import threading
import time

import httpx
import pytest
from django.conf import settings

from conftest import start_server
from marblejar.accounts import services as account_services
from marblejar.lib.events import redis_channel
from marblejar.realtime.tests.test_sse import login, read_events
from marblejar.test import PASSWORD, make_personas

pytestmark = [
    pytest.mark.redis,
    pytest.mark.slow,
    pytest.mark.skipif(
        not settings.REDIS_URL,
        reason="MARBLEJAR_REDIS_URL is not set: the scaled-out set-up needs Redis",
    ),
]

# Streams re-read the events table at every keepalive. Far longer than the
# delivery we wait for, so only the Redis fan-out can bring the event in time.
KEEPALIVE_SECONDS = 60
DELIVERY_SECONDS = 5.0


@pytest.fixture
def two_servers(transactional_db, tmp_path):
    servers = []
    try:
        for _ in range(2):
            servers.append(
                start_server(tmp_path, redis_url=settings.REDIS_URL, keepalive=KEEPALIVE_SECONDS)
            )
        yield servers
    finally:
        for server in servers:
            server.stop()


def invitation_link(server, token: str, slug: str) -> str:
    response = httpx.post(
        f"{server.url}/api/v1/teams/{slug}/invitations",
        json={"role": "member"},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert response.status_code == 201, response.text
    url = response.json()["url"]
    assert url.startswith(f"{server.url}/join/")
    return url


def sign_up_with(link: str, *, name: str, email: str) -> None:
    with httpx.Client(timeout=10) as client:
        page = client.get(link)
        assert page.status_code == 200, page.text
        response = client.post(
            link,
            data={
                "display_name": name,
                "email": email,
                "password": PASSWORD,
                "csrfmiddlewaretoken": client.cookies["csrftoken"],
            },
            headers={"Referer": link},
        )
    assert response.status_code == 302, response.text
    assert re.search(r"/t/platform/$", response.headers["location"])


def wait_for_redis_subscriber(timeout: float = 10.0) -> None:
    """Until some app process listens on the fan-out channel."""
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            if dict(client.pubsub_numsub(redis_channel())).get(redis_channel().encode(), 0) > 0:
                return
            time.sleep(0.1)
    finally:
        client.close()
    pytest.fail("no app process subscribed to the Redis channel")


def test_a_join_through_one_process_reaches_a_member_on_the_other(two_servers):
    server_a, server_b = two_servers
    p = make_personas()
    _token, raw_token = account_services.token_create(user=p.lead, name="scaled-out test")
    url = f"/t/{p.team.slug}/events/"

    # A member watches the team's stream on server B.
    watcher = login(server_b, p.member.email)
    received: list[tuple[int, str, str]] = []
    arrived_at: list[float] = []

    def listen() -> None:
        received.extend(read_events(watcher, url, want=1, timeout=30))
        arrived_at.append(time.monotonic())

    listener = threading.Thread(target=listen, daemon=True)
    listener.start()
    wait_for_redis_subscriber()
    time.sleep(0.5)  # B's stream has subscribed by now; its first frame is out

    # The lead invites through server A; the newcomer signs up through A too.
    link = invitation_link(server_a, raw_token, p.team.slug)
    sign_up_with(link, name="Nina New", email="nina@acme.test")
    joined_at = time.monotonic()

    listener.join(timeout=DELIVERY_SECONDS + 5)
    assert received, f"no event reached server B\n{server_b.log.read_text()[-2000:]}"
    event_id, kind, data = received[0]
    assert kind == "member_joined"
    assert data.strip() == "<li>Nina New joined the team.</li>"
    assert arrived_at[0] - joined_at < DELIVERY_SECONDS

    # While the member is away, someone else joins through A. Reconnecting to
    # B with the last id seen replays exactly what was missed.
    link = invitation_link(server_a, raw_token, p.team.slug)
    sign_up_with(link, name="Omar Okafor", email="omar@acme.test")
    replay = read_events(watcher, url, want=1, headers={"Last-Event-ID": str(event_id)})
    assert len(replay) == 1
    replay_id, replay_kind, replay_data = replay[0]
    assert replay_id > event_id
    assert replay_kind == "member_joined"
    assert replay_data.strip() == "<li>Omar Okafor joined the team.</li>"
    watcher.close()
