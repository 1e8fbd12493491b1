"""Server-sent events: replay what a client missed, then stream live, while allowed.

A stream keeps a cursor: every event up to it has been considered (delivered,
or not for this reader). It first reads the table from the client's position
up to where the process's tailer stood when the stream subscribed, then takes
the tailer's deliveries, reading any gap between its cursor and a delivery
from the table. Ids follow commit order (``marblejar/lib/events.py``), so the
``id:`` a client echoes back on reconnect is a complete bookmark.

Permission is not only checked when the stream opens: before it delivers,
a stream asks again whether its reader may still read it (at most every
``MARBLEJAR_EVENTS_RECHECK`` seconds, and at once when an access notice for
that person arrives, see ``marblejar/realtime/access.py``), and ends when
the answer is no.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import HttpRequest, StreamingHttpResponse

from marblejar.lib.events import ACCESS_KIND, PAGE, Message, access_stream, events_after
from marblejar.lib.metrics import STREAMS
from marblejar.realtime.access import StreamAccess, credential_of, user_for_stream
from marblejar.realtime.fanout import Delivery, Subscription, Tailer, get_fanout
from marblejar.realtime.registry import render

RETRY_MS = 2000


def last_event_id(request: HttpRequest) -> int:
    """Where to resume: the browser's Last-Event-ID on reconnect, else ``?after=``.

    Pages embed the id of the newest event they already show in ``after``, so
    nothing that happens between rendering the page and connecting is lost.
    """
    raw = request.headers.get("Last-Event-ID") or request.GET.get("after") or "0"
    try:
        return max(int(raw), 0)
    except ValueError:
        return 0


def frame(message: Message, data: str) -> str:
    lines = data.splitlines() or [""]
    body = "".join(f"data: {line}\n" for line in lines)
    return f"id: {message.id}\nevent: {message.kind}\n{body}\n"


def format_for(message: Message, user: Any, fmt: str) -> str | None:
    if fmt == "json":
        return json.dumps({"kind": message.kind, "payload": message.payload})
    return render(message, user)


def release_connection() -> None:
    """Give this thread's database connection back (to PostgreSQL's pool).

    A stream lives for hours; holding a connection for each open browser
    would exhaust the pool, and then the database (PostgreSQL allows 100 by
    default). Django gives a request's connection back only when the
    request ends, which for a stream is when the browser leaves.
    """
    if not connection.in_atomic_block:
        connection.close()


def events_after_then_release(**kwargs: Any) -> list[Message]:
    """Read stored events, then give the database connection back."""
    try:
        return events_after(**kwargs)
    finally:
        release_connection()


class Reader:
    """One client's position in the events and its right to read them."""

    def __init__(
        self, *, user: Any, streams: list[str], after_id: int, fmt: str, access: StreamAccess | None
    ) -> None:
        self.user = user
        self.fmt = fmt
        self.access = access
        self.own = access_stream(access.user_id) if access else None
        self.streams = [*streams, self.own] if self.own else list(streams)
        self.cursor = after_id
        self.next_check = 0.0
        self.closed = False
        # Access notices up to here predate the check made after subscribing.
        self.notices_checked_until = 0

    async def allowed(self, *, now: bool = False) -> bool:
        if self.access is None:
            return True
        if not now and time.monotonic() < self.next_check:
            return True
        ok = await sync_to_async(self.access.allowed)()
        # Streams opened together would otherwise all ask on the same event,
        # and that event would reach everyone late.
        interval = settings.EVENTS_RECHECK_SECONDS * random.uniform(0.5, 1.0)
        self.next_check = time.monotonic() + interval
        return ok

    async def handle(self, messages: list[Message] | tuple[Message, ...]) -> AsyncIterator[str]:
        """Frames for ``messages`` (in id order) that this reader may see, while allowed."""
        for message in messages:
            if message.id <= self.cursor:
                continue
            self.cursor = message.id
            # Only an access notice is taken as one: whatever else a view may
            # publish on a person's stream is shown as usual.
            if message.stream == self.own and message.kind == ACCESS_KIND:
                if message.id > self.notices_checked_until and not await self.allowed(now=True):
                    self.closed = True
                    return
                continue
            data = format_for(message, self.user, self.fmt)
            if data is None:
                continue
            if not await self.allowed():
                self.closed = True
                return
            yield frame(message, data)

    async def fill(self, upto: int) -> AsyncIterator[str]:
        """Read and handle the table from the cursor up to ``upto``."""
        while self.cursor < upto and not self.closed:
            batch = await sync_to_async(events_after_then_release)(
                streams=self.streams, after_id=self.cursor, upto=upto
            )
            async for chunk in self.handle(batch):
                yield chunk
            if len(batch) < PAGE and not self.closed:
                self.cursor = upto

    async def take(self, delivery: Delivery) -> AsyncIterator[str]:
        if delivery.clean_from > self.cursor:
            # Deliveries were dropped in between: read what they held.
            async for chunk in self.fill(delivery.clean_from):
                yield chunk
        async for chunk in self.handle(delivery.messages):
            yield chunk
        if not self.closed:
            self.cursor = max(self.cursor, delivery.until)

    async def resync(self, subscription: Subscription, tailer: Tailer) -> AsyncIterator[str]:
        """After the queue overflowed: drop what is queued and read the table instead."""
        subscription.stale = False
        while not subscription.queue.empty():
            subscription.queue.get_nowait()
        async for chunk in self.fill(tailer.cursor):
            yield chunk


# The last frame of a stream whose reader lost access; pages close on it
# (``sse-close="closed"``, and the board's and the bell's own listeners).
CLOSED_FRAME = "event: closed\ndata: access\n\n"


async def stream(
    *,
    user: Any,
    streams: list[str],
    after_id: int,
    fmt: str = "html",
    access: StreamAccess | None = None,
) -> AsyncIterator[str]:
    reader = Reader(user=user, streams=streams, after_id=after_id, fmt=fmt, access=access)
    # The connection that read the session and checked the view's permission
    # goes back before the stream waits for anything: the process's tailer
    # may need one from the same pool for its first read, and a crowd of
    # streams each holding theirs while they wait for it would take every
    # connection until the pool gave up (10 s, then 503s).
    await sync_to_async(release_connection)()
    tailer = await get_fanout().tailer()
    subscription = tailer.subscribe(reader.streams)
    STREAMS.inc()
    try:
        # Access may have changed between the view's check and subscribing;
        # notices from then on arrive through the subscription.
        reader.notices_checked_until = subscription.start
        if not await reader.allowed(now=True):
            yield CLOSED_FRAME
            return
        yield f"retry: {RETRY_MS}\n\n"
        async for chunk in reader.fill(subscription.start):
            yield chunk
        while not reader.closed:
            if subscription.stale:
                async for chunk in reader.resync(subscription, tailer):
                    yield chunk
                continue
            try:
                delivery = await asyncio.wait_for(
                    subscription.queue.get(), timeout=settings.EVENTS_KEEPALIVE_SECONDS
                )
            except TimeoutError:
                if not await reader.allowed():
                    yield CLOSED_FRAME
                    return
                yield ": keepalive\n\n"
                continue
            async for chunk in reader.take(delivery):
                yield chunk
        # Access ended: the page closes its connection on this frame instead
        # of seeing a broken one (and reconnecting to be refused).
        yield CLOSED_FRAME
    finally:
        STREAMS.dec()
        tailer.unsubscribe(subscription)


def sse_response(
    request: HttpRequest,
    *,
    user: Any,
    streams: list[str],
    recheck: Callable[[Any], object] | None = None,
) -> StreamingHttpResponse:
    """Stream ``streams`` to ``user``; ``recheck(user)`` raises once they may no longer read.

    ``recheck`` is the view's own permission check (it runs in a thread, on a
    fresh copy of the user); without it, the stream stops only when the
    session or token it was opened with ends or the account is deactivated.
    """
    fmt = "json" if request.GET.get("format") == "json" else "html"
    access = StreamAccess(user_id=user.pk, credential=credential_of(request), check=recheck)
    response = StreamingHttpResponse(
        stream(user=user, streams=streams, after_id=last_event_id(request), fmt=fmt, access=access),
        content_type="text/event-stream",
    )
    response["Cache-Control"] = "no-cache"
    # Tell a buffering proxy (nginx) to pass events through at once.
    response["X-Accel-Buffering"] = "no"
    return response


async def stream_user(request: HttpRequest) -> Any:
    """Who opens a stream: the session's user, or an API token's (``Authorization: Bearer``).

    Remembers which of the two, so that the stream ends with it.
    """
    user = await user_for_stream(request)
    if user is None:
        raise PermissionDenied
    return user
