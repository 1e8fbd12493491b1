"""One tailer per process reads the events table in id order and feeds the streams.

``marblejar/lib/events.py`` explains why ids follow commit order. Here:

* :class:`Tailer` (one per event loop, so one per app process) keeps a
  cursor, the highest id it has read. When poked, and every
  ``MARBLEJAR_EVENTS_CATCHUP`` seconds in any case, it reads what follows
  its cursor and hands each :class:`Subscription` the messages of its
  streams, in id order. Pokes that arrive while it reads are folded into
  one more read.
* A wake-up (:class:`Wakeup` and its kinds) pokes every tailer of this
  process when another process may have stored an event: Redis pub/sub,
  PostgreSQL ``LISTEN``, or SQLite's ``PRAGMA data_version``. Each runs in a
  thread of its own, so no event loop depends on it and a broken one only
  leaves the periodic catch-up.

A subscription records the tailer's cursor when it starts (``start``), and
every delivery says from which position it follows (``clean_from``): a stream
that finds a gap between its own cursor and a delivery, because it was too
slow and deliveries were dropped, reads that gap from the table. So a stream
never advances past an event it has not considered.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import sqlite3
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connection

from marblejar.lib.events import PAGE, PG_CHANNEL, Message, events_after, latest_event_id

logger = logging.getLogger(__name__)

# Bounded so that one stuck client cannot grow memory without limit; when full
# the subscriber is marked stale and re-reads the table instead.
QUEUE_SIZE = 1000
# How often the SQLite wake-up looks at the database's change counter.
SQLITE_POLL_SECONDS = 0.1
# How long a process stops publishing wake-ups to a Redis that failed.
REDIS_RETRY_SECONDS = 5


@dataclass(frozen=True, slots=True)
class Delivery:
    """The messages of one read that concern one subscription.

    Nothing for this subscription lies between ``clean_from`` and the first
    message; after the last, nothing up to ``until``.
    """

    clean_from: int
    until: int
    messages: tuple[Message, ...]


@dataclass(eq=False)
class Subscription:
    streams: frozenset[str]
    # The tailer's cursor when this subscription began: the stream itself
    # reads what lies between its client's position and here.
    start: int
    queue: asyncio.Queue[Delivery] = field(
        default_factory=lambda: asyncio.Queue(maxsize=QUEUE_SIZE)
    )
    # The ``until`` of the last read that concerned this subscription.
    last_until: int = 0
    # Set when a delivery could not be queued: the reader must catch up from
    # the table up to the tailer's cursor.
    stale: bool = False

    def offer(self, messages: list[Message], until: int) -> None:
        delivery = Delivery(clean_from=self.last_until, until=until, messages=tuple(messages))
        self.last_until = until
        try:
            self.queue.put_nowait(delivery)
        except asyncio.QueueFull:
            self.stale = True


class Tailer:
    """Reads the events table from its cursor and dispatches to this loop's subscribers."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.cursor = 0
        self._by_stream: dict[str, set[Subscription]] = defaultdict(set)
        self._wake = asyncio.Event()
        self._ready = asyncio.Event()
        # One thread of its own keeps one database connection for all reads.
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="marblejar-tailer")
        # A fresh context: the tailer outlives the request that started it.
        self._task = loop.create_task(self._run(), context=contextvars.Context())

    async def ready(self) -> None:
        await self._ready.wait()

    def poke(self) -> None:
        """Read the table soon (call in the tailer's loop)."""
        self._wake.set()

    def subscribe(self, streams: list[str] | frozenset[str]) -> Subscription:
        subscription = Subscription(streams=frozenset(streams), start=self.cursor)
        subscription.last_until = self.cursor
        for stream in subscription.streams:
            self._by_stream[stream].add(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        for stream in subscription.streams:
            subscribers = self._by_stream.get(stream)
            if subscribers is not None:
                subscribers.discard(subscription)
                if not subscribers:
                    del self._by_stream[stream]

    async def _db(self, func: Callable[..., Any], **kwargs: Any) -> Any:
        def call() -> Any:
            try:
                return func(**kwargs)
            except Exception:
                # A broken connection is replaced on the next read.
                connection.close()
                raise

        return await self.loop.run_in_executor(self._executor, call)

    async def _run(self) -> None:
        while not self._ready.is_set():
            try:
                self.cursor = await self._db(latest_event_id)
            except Exception:
                logger.exception("Could not read the events table; retrying")
                await asyncio.sleep(1)
                continue
            self._ready.set()
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=settings.EVENTS_CATCHUP_SECONDS)
            self._wake.clear()
            try:
                await self._read()
            except Exception:
                logger.exception("Could not read new events; retrying at the next catch-up")

    async def _read(self) -> None:
        while True:
            batch: list[Message] = await self._db(events_after, streams=None, after_id=self.cursor)
            if not batch:
                return
            self._dispatch(batch)
            if len(batch) < PAGE:
                return

    def _dispatch(self, batch: list[Message]) -> None:
        # The cursor moves and every subscriber gets its share in one step of
        # the loop, so a subscription that begins in between sees a
        # consistent ``start``.
        self.cursor = batch[-1].id
        touched: dict[Subscription, list[Message]] = {}
        for message in batch:
            for subscription in self._by_stream.get(message.stream, ()):
                touched.setdefault(subscription, []).append(message)
        for subscription, messages in touched.items():
            subscription.offer(messages, self.cursor)

    def close(self) -> None:
        """Stop reading and close the database connection (from outside the loop)."""
        if not self.loop.is_closed():
            self.loop.call_soon_threadsafe(self._task.cancel)

        def release() -> None:
            from django.db import connections

            connections.close_all()

        try:
            self._executor.submit(release).result(timeout=5)
        except Exception:
            logger.warning("The tailer's database connection did not close in time")
        self._executor.shutdown(wait=False)


# Wake-ups --------------------------------------------------------------------


class Wakeup:
    """Pokes this process's tailers when another process may have stored an event.

    The base kind knows of this process only (tests, a single process).
    """

    name = "in-process"

    def __init__(self) -> None:
        self.ready = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._on_wake: Callable[[], None] = lambda: None

    def notify_in_transaction(self, event_id: int) -> None:
        """Called inside the event's insert transaction."""

    def after_commit(self, event_id: int) -> None:
        """Called once the event is stored."""

    def start(self, on_wake: Callable[[], None]) -> None:
        if self._thread is not None:
            return
        self._on_wake = on_wake
        self._thread = threading.Thread(
            target=self._listen, name=f"marblejar-wakeup-{self.name}", daemon=True
        )
        self._thread.start()

    def _listen(self) -> None:
        self.ready.set()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _retry(self, delay: float) -> float:
        """Wait before reconnecting; a reconnection then catches up."""
        self.ready.clear()
        self._stop.wait(delay)
        return min(delay * 2, 10.0)


class SqliteWakeup(Wakeup):
    """Watches ``PRAGMA data_version``: it changes when another connection commits.

    Reading it costs microseconds and takes no lock, so a few reads a second
    are cheap; the tailer reads the table only when it changed.
    """

    name = "sqlite"

    def __init__(self, path: str) -> None:
        super().__init__()
        self.path = path

    def _listen(self) -> None:
        delay = 0.5
        while not self._stop.is_set():
            try:
                db = sqlite3.connect(self.path, timeout=1, isolation_level=None)
            except sqlite3.Error:
                delay = self._retry(delay)
                continue
            try:
                seen = db.execute("PRAGMA data_version").fetchone()[0]
                self.ready.set()
                self._on_wake()
                delay = 0.5
                while not self._stop.wait(SQLITE_POLL_SECONDS):
                    version = db.execute("PRAGMA data_version").fetchone()[0]
                    if version != seen:
                        seen = version
                        self._on_wake()
            except sqlite3.Error:
                logger.warning("Lost the SQLite change counter; retrying in %.1fs", delay)
                delay = self._retry(delay)
            finally:
                db.close()


class PostgresWakeup(Wakeup):
    """``NOTIFY`` in the insert's transaction; one ``LISTEN`` connection per process."""

    name = "postgresql"

    def notify_in_transaction(self, event_id: int) -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_notify(%s, %s)", [PG_CHANNEL, str(event_id)])

    def _listen(self) -> None:
        import psycopg

        params = connection.get_connection_params()
        for key in ("cursor_factory", "context", "prepare_threshold"):
            params.pop(key, None)
        delay = 0.5
        while not self._stop.is_set():
            try:
                conn = psycopg.connect(**params, autocommit=True)
            except psycopg.Error:
                logger.warning("Could not LISTEN for events; retrying in %.1fs", delay)
                delay = self._retry(delay)
                continue
            try:
                conn.execute(f"LISTEN {PG_CHANNEL}")
                self.ready.set()
                # Anything stored while we were not listening is in the table.
                self._on_wake()
                delay = 0.5
                while not self._stop.is_set():
                    for _notify in conn.notifies(timeout=0.5):
                        self._on_wake()
            except psycopg.Error:
                logger.warning("Lost the PostgreSQL event channel; retrying in %.1fs", delay)
                delay = self._retry(delay)
            finally:
                conn.close()


class RedisWakeup(Wakeup):
    """Redis pub/sub: the message is the event's id, never its content."""

    name = "redis"

    def __init__(self, url: str, channel: str) -> None:
        super().__init__()
        import redis

        self.url = url
        self.channel = channel
        # Short timeouts: an unreachable Redis must not hold up the request
        # that published; the other processes catch up from the table.
        self._client = redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5)
        # After a failure, publishing is not tried again for a while, so that
        # a Redis that does not answer costs one timeout, not one per event.
        self._down_until = 0.0

    def after_commit(self, event_id: int) -> None:
        if time.monotonic() < self._down_until:
            return
        try:
            self._client.publish(self.channel, str(event_id))
        except Exception as e:
            self._down_until = time.monotonic() + REDIS_RETRY_SECONDS
            logger.warning(
                "Could not publish event %s to Redis (%s); other processes will find "
                "it at their next catch-up. Trying again in %ss.",
                event_id,
                type(e).__name__,
                REDIS_RETRY_SECONDS,
            )

    def _listen(self) -> None:
        import redis

        delay = 0.5
        while not self._stop.is_set():
            client = redis.Redis.from_url(self.url, socket_connect_timeout=2)
            pubsub = client.pubsub(ignore_subscribe_messages=True)
            try:
                pubsub.subscribe(self.channel)
                self.ready.set()
                self._on_wake()
                delay = 0.5
                while not self._stop.is_set():
                    if pubsub.get_message(timeout=0.5) is not None:
                        self._on_wake()
            except Exception:
                logger.warning("Lost the Redis event channel; retrying in %.1fs", delay)
                delay = self._retry(delay)
            finally:
                pubsub.close()
                client.close()

    def stop(self) -> None:
        super().stop()
        self._client.close()


def make_wakeup() -> Wakeup:
    from marblejar.lib.events import redis_channel

    if settings.REDIS_URL:
        return RedisWakeup(settings.REDIS_URL, redis_channel())
    if connection.vendor == "postgresql":
        return PostgresWakeup()
    if connection.vendor == "sqlite":
        return SqliteWakeup(str(connection.settings_dict["NAME"]))
    return Wakeup()


# The process's fan-out -------------------------------------------------------


class Fanout:
    def __init__(self, wakeup: Wakeup) -> None:
        self.wakeup = wakeup
        self._lock = threading.Lock()
        # One per event loop: a server has one; tests open and close several.
        self._tailers: dict[asyncio.AbstractEventLoop, Tailer] = {}

    async def tailer(self) -> Tailer:
        """This event loop's tailer, started and with its cursor known."""
        loop = asyncio.get_running_loop()
        with self._lock:
            for gone in [other for other in self._tailers if other.is_closed()]:
                self._tailers.pop(gone).close()
            tailer = self._tailers.get(loop)
            if tailer is None:
                tailer = self._tailers[loop] = Tailer(loop)
            self.wakeup.start(self.wake_local)
        await tailer.ready()
        return tailer

    async def wait_ready(self, timeout: float = 5.0) -> bool:
        """True once this process hears of events stored by other processes."""
        return await asyncio.to_thread(self.wakeup.ready.wait, timeout)

    def wake_local(self) -> None:
        """Poke every tailer of this process (from any thread)."""
        with self._lock:
            tailers = list(self._tailers.values())
        for tailer in tailers:
            try:
                tailer.loop.call_soon_threadsafe(tailer.poke)
            except RuntimeError:  # its loop has closed
                with self._lock:
                    self._tailers.pop(tailer.loop, None)

    def close(self) -> None:
        self.wakeup.stop()
        with self._lock:
            tailers = list(self._tailers.values())
            self._tailers.clear()
        for tailer in tailers:
            tailer.close()


_fanout: Fanout | None = None
_fanout_lock = threading.Lock()


def get_fanout() -> Fanout:
    global _fanout
    with _fanout_lock:
        if _fanout is None:
            _fanout = Fanout(make_wakeup())
        return _fanout


def reset_fanout() -> None:
    """Stop and forget the fan-out (tests switch settings between runs)."""
    global _fanout
    with _fanout_lock:
        fanout, _fanout = _fanout, None
    if fanout is not None:
        fanout.close()


def notify_in_transaction(event_id: int) -> None:
    get_fanout().wakeup.notify_in_transaction(event_id)


def wake(event_id: int) -> None:
    """After an event is stored: poke this process's tailers, then the others."""
    fanout = get_fanout()
    fanout.wake_local()
    fanout.wakeup.after_commit(event_id)
