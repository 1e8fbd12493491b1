"""Server-sent events: replay what a client missed, then stream live."""

from __future__ import annotations

import asyncio
import json
from collections import deque
from collections.abc import AsyncIterator
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import connection
from django.http import HttpRequest, StreamingHttpResponse

from marblejar.lib.events import Message, events_after, get_broker
from marblejar.realtime.registry import render

RETRY_MS = 2000
# Remember this many delivered ids so that a message both pushed and read
# back from the table during a catch-up is sent once.
SEEN_WINDOW = 2048


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


def events_after_then_release(**kwargs: Any) -> list[Message]:
    """Read stored events, then give the database connection back.

    A stream lives for hours; holding a connection for each open browser
    would exhaust the database (PostgreSQL allows 100 by default).
    """
    try:
        return events_after(**kwargs)
    finally:
        if not connection.in_atomic_block:
            connection.close()


async def stream(
    *, user: Any, streams: list[str], after_id: int, fmt: str = "html"
) -> AsyncIterator[str]:
    broker = get_broker()
    subscription = broker.subscribe(streams)
    seen: deque[int] = deque(maxlen=SEEN_WINDOW)
    seen_set: set[int] = set()
    cursor = after_id

    def fresh(message: Message) -> bool:
        if message.id in seen_set or message.id <= after_id:
            return False
        if len(seen) == seen.maxlen:
            seen_set.discard(seen[0])
        seen.append(message.id)
        seen_set.add(message.id)
        return True

    async def catch_up() -> list[str]:
        nonlocal cursor
        frames = []
        while True:
            batch = await sync_to_async(events_after_then_release)(streams=streams, after_id=cursor)
            for message in batch:
                cursor = max(cursor, message.id)
                if fresh(message) and (data := format_for(message, user, fmt)) is not None:
                    frames.append(frame(message, data))
            if len(batch) < 500:
                return frames

    try:
        yield f"retry: {RETRY_MS}\n\n"
        for chunk in await catch_up():
            yield chunk
        while True:
            try:
                message = await asyncio.wait_for(
                    subscription.queue.get(), timeout=settings.EVENTS_KEEPALIVE_SECONDS
                )
            except TimeoutError:
                yield ": keepalive\n\n"
                # A cheap reconciliation with the table covers anything a push missed.
                for chunk in await catch_up():
                    yield chunk
                continue
            if message is None or subscription.stale:
                subscription.stale = False
                for chunk in await catch_up():
                    yield chunk
                continue
            cursor = max(cursor, message.id)
            if fresh(message) and (data := format_for(message, user, fmt)) is not None:
                yield frame(message, data)
    finally:
        broker.unsubscribe(subscription)


def sse_response(request: HttpRequest, *, user: Any, streams: list[str]) -> StreamingHttpResponse:
    fmt = "json" if request.GET.get("format") == "json" else "html"
    response = StreamingHttpResponse(
        stream(user=user, streams=streams, after_id=last_event_id(request), fmt=fmt),
        content_type="text/event-stream",
    )
    response["Cache-Control"] = "no-cache"
    # Tell a buffering proxy (nginx) to pass events through at once.
    response["X-Accel-Buffering"] = "no"
    return response
