"""Publish events after commit and fan them out to live clients.

A state change calls :func:`publish` inside its transaction. When the
transaction commits, the event is stored in the events table (so that a client
that reconnects can replay it by ``Last-Event-ID``) and pushed to every
subscriber of its stream:

* in-process by default (one app process: subscribers are asyncio queues);
* through Redis pub/sub when ``MARBLEJAR_REDIS_URL`` is set, so that an event
  published by one app process reaches clients connected to another.

The table is the source of truth; the push only makes delivery fast. A
subscriber that suspects it missed something (a Redis reconnect, a slow
consumer) reads the table again from the last id it delivered.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import threading
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction

logger = logging.getLogger(__name__)

CHANNEL_PREFIX = "marblejar:events:"
# Bounded so that one stuck client cannot grow memory without limit; when full
# the subscriber is marked stale and re-reads the table instead.
QUEUE_SIZE = 1000


@dataclass(frozen=True, slots=True)
class Message:
    id: int
    stream: str
    kind: str
    payload: dict[str, Any]

    def to_json(self) -> str:
        return json.dumps(
            {"id": self.id, "stream": self.stream, "kind": self.kind, "payload": self.payload}
        )

    @classmethod
    def from_json(cls, raw: str | bytes) -> Message:
        data = json.loads(raw)
        return cls(id=data["id"], stream=data["stream"], kind=data["kind"], payload=data["payload"])


def publish(*, organization_id: int, stream: str, kind: str, payload: dict[str, Any]) -> None:
    """Store and fan out an event once the current transaction commits.

    Outside a transaction it happens at once. The payload holds ids and plain
    values only; subscribers render it for their own reader.
    """

    def send() -> None:
        from marblejar.realtime.models import Event

        # Stored in its own short autocommit insert, so ids follow commit order
        # as closely as the database allows.
        event = Event.objects.create(
            organization_id=organization_id, stream=stream, kind=kind, payload=payload
        )
        get_broker().send(Message(id=event.pk, stream=stream, kind=kind, payload=payload))

    transaction.on_commit(send, robust=True)


@dataclass(eq=False)
class Subscription:
    streams: frozenset[str]
    loop: asyncio.AbstractEventLoop
    queue: asyncio.Queue[Message | None] = field(
        default_factory=lambda: asyncio.Queue(maxsize=QUEUE_SIZE)
    )
    # Set when a message could not be queued or the fan-out reconnected: the
    # reader must catch up from the table.
    stale: bool = False

    def offer(self, message: Message | None) -> None:
        """Called in the subscriber's event loop."""
        try:
            self.queue.put_nowait(message)
        except asyncio.QueueFull:
            self.stale = True


class LocalBroker:
    """Fans messages out to subscribers in this process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscribers: dict[str, set[Subscription]] = defaultdict(set)

    def subscribe(self, streams: Iterable[str]) -> Subscription:
        subscription = Subscription(streams=frozenset(streams), loop=asyncio.get_running_loop())
        with self._lock:
            for stream in subscription.streams:
                self._subscribers[stream].add(subscription)
        self.started(subscription.loop)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        with self._lock:
            for stream in subscription.streams:
                subs = self._subscribers.get(stream)
                if subs is not None:
                    subs.discard(subscription)
                    if not subs:
                        del self._subscribers[stream]

    def started(self, loop: asyncio.AbstractEventLoop) -> None:
        """Hook for brokers that need a listener running in the event loop."""

    async def wait_ready(self, timeout: float = 5.0) -> bool:
        """True once pushes reach this process's subscribers (at once, in-process)."""
        return True

    def send(self, message: Message) -> None:
        self.dispatch(message)

    def dispatch(self, message: Message) -> None:
        with self._lock:
            subscribers = list(self._subscribers.get(message.stream, ()))
        for sub in subscribers:
            try:
                sub.loop.call_soon_threadsafe(sub.offer, message)
            except RuntimeError:  # the loop has closed: the client is gone
                self.unsubscribe(sub)

    def poke_all(self) -> None:
        """Tell every subscriber to catch up from the table."""
        with self._lock:
            subscribers = {s for subs in self._subscribers.values() for s in subs}
        for sub in subscribers:
            sub.stale = True
            try:
                sub.loop.call_soon_threadsafe(sub.offer, None)
            except RuntimeError:
                self.unsubscribe(sub)

    @property
    def subscriber_count(self) -> int:
        with self._lock:
            return len({s for subs in self._subscribers.values() for s in subs})


class RedisBroker(LocalBroker):
    """Publishes through Redis; one listener per process dispatches locally."""

    def __init__(self, url: str) -> None:
        super().__init__()
        import redis

        self.url = url
        self.channel = redis_channel()
        self._redis = redis.Redis.from_url(url)
        self._listener: asyncio.Task[None] | None = None
        self._listener_loop: asyncio.AbstractEventLoop | None = None
        self._ready = threading.Event()

    def send(self, message: Message) -> None:
        try:
            self._redis.publish(self.channel, message.to_json())
        except Exception:
            # The event is stored: clients will find it when they catch up.
            logger.exception("Could not publish event %s to Redis", message.id)
            self.dispatch(message)

    def started(self, loop: asyncio.AbstractEventLoop) -> None:
        if self._listener is None or self._listener.done() or self._listener_loop is not loop:
            self._listener_loop = loop
            self._listener = loop.create_task(self._listen())

    async def wait_ready(self, timeout: float = 5.0) -> bool:
        return await asyncio.to_thread(self._ready.wait, timeout)

    async def _listen(self) -> None:
        import redis.asyncio as aioredis

        delay = 0.5
        while True:
            client = aioredis.Redis.from_url(self.url)
            try:
                async with client.pubsub() as pubsub:
                    await pubsub.subscribe(self.channel)
                    self._ready.set()
                    # Anything published while we were not listening is in the table.
                    self.poke_all()
                    delay = 0.5
                    async for item in pubsub.listen():
                        if item.get("type") != "message":
                            continue
                        try:
                            self.dispatch(Message.from_json(item["data"]))
                        except (ValueError, KeyError):
                            logger.warning("Ignoring a malformed event message")
            except asyncio.CancelledError:
                raise
            except Exception:
                self._ready.clear()
                logger.warning("Lost the Redis event channel; retrying in %.1fs", delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10)
            finally:
                await client.aclose()


def redis_channel() -> str:
    """The pub/sub channel of this installation.

    Named after the database, so that installations (or test runs) sharing
    one Redis never see each other's events.
    """
    from django.db import connection

    name = str(connection.settings_dict["NAME"])
    return CHANNEL_PREFIX + hashlib.sha256(name.encode()).hexdigest()[:16]


_broker: LocalBroker | None = None
_broker_lock = threading.Lock()


def get_broker() -> LocalBroker:
    global _broker
    with _broker_lock:
        if _broker is None:
            url = settings.REDIS_URL
            _broker = RedisBroker(url) if url else LocalBroker()
        return _broker


def reset_broker() -> None:
    """Forget the broker (tests switch settings between runs)."""
    global _broker
    with _broker_lock:
        _broker = None


def events_after(*, streams: Iterable[str], after_id: int, limit: int = 500) -> list[Message]:
    """Stored events of ``streams`` with an id above ``after_id``, oldest first."""
    from marblejar.realtime.models import Event

    rows = Event.objects.filter(stream__in=list(streams), id__gt=after_id).order_by("id")[:limit]
    return [Message(id=e.pk, stream=e.stream, kind=e.kind, payload=e.payload) for e in rows]
