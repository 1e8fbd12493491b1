"""Pages on a few long-lived threads, live streams on the event loop.

Django's ASGI handler runs the synchronous part of every request on a thread
made for that request (asgiref's ``ThreadSensitiveContext``), and crosses
between that thread and the event loop at each middleware that is only
synchronous. Under load that meant one thread per request in flight, all
sharing the interpreter (every page slowed down as more arrived: at 50
requests/s a page that takes 10 ms waited seconds), and a new database
connection per request, so SQLite's connection, its pragmas and the reads
compiled once per connection (``lib/prepared.py``) were made anew each time.

Here a page (any view that is not a coroutine) runs whole through Django's
synchronous handler, as under a WSGI server, on a small pool of threads kept
for the life of the process (``MARBLEJAR_THREADS``, default 1): its
connection and compiled reads are kept, and requests beyond the pool wait
their turn instead of slowing every other one down. Live streams (the
views written as coroutines) take Django's asynchronous path, with one
change: the synchronous parts of every stream of the process (middleware,
the session and permission checks, catch-up reads) run on one thread kept
for them, not on a thread made for each stream. A crowd opening streams at
once then uses one database connection between them instead of one each,
and cannot take the connections the pages need (PostgreSQL's pool).
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from asgiref.sync import ThreadSensitiveContext, iscoroutinefunction
from django.core import signals
from django.core.exceptions import RequestAborted
from django.core.handlers.asgi import ASGIHandler, get_script_prefix
from django.core.handlers.base import BaseHandler
from django.http import HttpResponseBase
from django.urls import Resolver404, resolve, set_script_prefix

# Paths already looked at: whether their view is a coroutine (a live stream).
# Paths name teams and reviews, so the table is emptied when it grows past this.
ROUTES_KEPT = 4096
_END = object()


class Handler(ASGIHandler):
    """Django's ASGI handler, with the pages served as by a threaded WSGI server."""

    def __init__(self, threads: int) -> None:
        super().__init__()  # the asynchronous middleware chain, for the streams
        self.pages = BaseHandler()
        self.pages.load_middleware(is_async=False)
        self.pool = ThreadPoolExecutor(max(1, threads), thread_name_prefix="marblejar-page")
        # One thread, one call at a time, as Django's thread-sensitive calls need.
        self.stream_thread = ThreadPoolExecutor(1, thread_name_prefix="marblejar-streams")
        self.streams: dict[str, bool] = {}

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            raise ValueError(f"Marblejar serves HTTP only, not {scope['type']}.")
        prefix = get_script_prefix(scope)
        path_info = scope["path"].removeprefix(prefix) if prefix else scope["path"]
        loop = asyncio.get_running_loop()
        stream = self.streams.get(path_info)
        if stream is None:
            # Resolving may import a part of the site for the first time (the
            # API): off the event loop.
            stream = await loop.run_in_executor(self.pool, _is_stream, path_info)
            if len(self.streams) >= ROUTES_KEPT:
                self.streams.clear()
            self.streams[path_info] = stream
        if stream:
            async with ThreadSensitiveContext(executor=self.stream_thread):
                await super().__call__(scope, receive, send)
        else:
            await self.serve_page(loop, scope, receive, send)

    async def serve_page(self, loop: Any, scope: dict, receive: Any, send: Any) -> None:
        try:
            body_file = await self.read_body(receive)
        except RequestAborted:
            return
        try:
            response = await loop.run_in_executor(self.pool, self.respond, scope, body_file)
            if not response.streaming:
                await self.send_response(response, send)
                return
            await self.send_stream(loop, response, send)
        finally:
            body_file.close()

    def respond(self, scope: dict, body_file: Any) -> HttpResponseBase:
        """On a page thread: the whole request, through the synchronous middleware.

        A response whose body is already whole is closed here, on the thread
        that answered, so that ``request_finished`` hands this thread's
        database connection back where it should (PostgreSQL's pool)."""
        set_script_prefix(get_script_prefix(scope))
        signals.request_started.send(sender=self.__class__, scope=scope)
        request, error_response = self.create_request(scope, body_file)
        response = error_response if request is None else self.pages.get_response(request)
        if not response.streaming:
            response.close()
        return response

    async def send_stream(self, loop: Any, response: HttpResponseBase, send: Any) -> None:
        """A download written in parts: each part read on a page thread."""
        await send(
            {
                "type": "http.response.start",
                "status": response.status_code,
                "headers": _headers(response),
            }
        )
        try:
            if response.is_async:
                async for part in response:
                    await self._send_part(part, send)
            else:
                parts = iter(response.streaming_content)
                while True:
                    part = await loop.run_in_executor(self.pool, next, parts, _END)
                    if part is _END:
                        break
                    await self._send_part(part, send)
            await send({"type": "http.response.body"})
        finally:
            await loop.run_in_executor(self.pool, response.close)

    async def _send_part(self, part: bytes, send: Any) -> None:
        for chunk, _last in self.chunk_bytes(part):
            await send({"type": "http.response.body", "body": chunk, "more_body": True})


def _is_stream(path_info: str) -> bool:
    try:
        match = resolve(path_info)
    except Resolver404:
        return False
    return iscoroutinefunction(match.func)


def _headers(response: HttpResponseBase) -> list[tuple[bytes, bytes]]:
    headers = [(name.encode("ascii"), value.encode("latin1")) for name, value in response.items()]
    for cookie in response.cookies.values():
        headers.append((b"Set-Cookie", cookie.OutputString().encode("ascii")))
    return headers
