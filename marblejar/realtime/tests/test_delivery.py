"""Gap-free delivery: every event reaches a stream once, in id order, whatever
order transactions commit in and however slowly the stream reads."""

from __future__ import annotations

import asyncio
import json
import threading
import time

import pytest
from asgiref.sync import sync_to_async
from django.db import connection, transaction

from marblejar.lib import events
from marblejar.realtime import fanout
from marblejar.realtime.models import Event
from marblejar.realtime.sse import stream
from marblejar.realtime.tests.streams import LiveStream
from marblejar.realtime.tests.test_sse import login
from marblejar.teams.selectors import team_stream
from marblejar.test import make_personas


def joined(name: str) -> dict[str, str]:
    return {"display_name": name}


@pytest.mark.slow
def test_an_event_whose_transaction_commits_late_is_delivered_once_and_in_order(live_marblejar):
    """Two writers, each on its own database connection as two processes would be.

    The first starts storing its event and takes a second to commit; the
    second publishes meanwhile. Were the second's id drawn and committed
    first, a stream would deliver it, move past the first's lower id, and
    never deliver the first.
    """
    p = make_personas()
    stream_name = team_stream(p.team)
    first_in = threading.Event()

    def slow_writer() -> None:
        try:
            with transaction.atomic():
                events.store(
                    organization_id=p.org.pk,
                    stream=stream_name,
                    kind="member_joined",
                    payload=joined("Slow Sam"),
                )
                first_in.set()
                time.sleep(1.0)
        finally:
            connection.close()

    def quick_writer() -> None:
        try:
            assert first_in.wait(10)
            events.publish(
                organization_id=p.org.pk,
                stream=stream_name,
                kind="member_joined",
                payload=joined("Quick Quinn"),
            )
        finally:
            connection.close()

    with LiveStream(login(live_marblejar, p.lead.email), f"/t/{p.team.slug}/events/") as live:
        writers = [threading.Thread(target=slow_writer), threading.Thread(target=quick_writer)]
        for writer in writers:
            writer.start()
        for writer in writers:
            writer.join(timeout=30)
        live.wait_for(2, timeout=10)
        time.sleep(2.5)  # a catch-up later: still nothing twice

    assert live.data() == [
        "<li>Slow Sam joined the team.</li>",
        "<li>Quick Quinn joined the team.</li>",
    ]
    stored = list(Event.objects.filter(stream=stream_name).values_list("id", "payload"))
    assert [payload["display_name"] for _id, payload in stored] == ["Slow Sam", "Quick Quinn"]
    assert [event_id for event_id, _kind, _data in live.events] == [i for i, _p in stored]


@pytest.mark.django_db(transaction=True)
def test_a_stream_too_slow_for_its_queue_reads_what_it_missed_from_the_table(monkeypatch):
    monkeypatch.setattr(fanout, "QUEUE_SIZE", 2)
    p = make_personas()
    stream_name = team_stream(p.team)

    def publish(n: int) -> None:
        try:
            events.publish(
                organization_id=p.org.pk, stream=stream_name, kind="member_joined", payload={"n": n}
            )
        finally:
            connection.close()

    async def main() -> list[int]:
        frames = stream(user=p.lead, streams=[stream_name], after_id=0, fmt="json")
        assert (await anext(frames)).startswith("retry:")  # subscribed
        tailer = await fanout.get_fanout().tailer()
        [subscription] = {s for subs in tailer._by_stream.values() for s in subs}
        # Ten reads of one event each while the stream reads nothing: its
        # queue holds two of them.
        for n in range(10):
            read_until = subscription.last_until
            await sync_to_async(publish, thread_sensitive=False)(n)
            async with asyncio.timeout(5):
                while subscription.last_until == read_until:
                    await asyncio.sleep(0.01)
        assert subscription.stale
        received = []
        while len(received) < 10:
            chunk = await asyncio.wait_for(anext(frames), 5)
            data = next(line for line in chunk.splitlines() if line.startswith("data: "))
            received.append(json.loads(data.removeprefix("data: "))["payload"]["n"])
        await frames.aclose()
        return received

    try:
        assert asyncio.run(main()) == list(range(10))
    finally:
        events.reset_broker()
