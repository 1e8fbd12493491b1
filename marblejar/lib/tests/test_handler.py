"""The ASGI handler: pages on kept threads, live streams on the event loop."""

from __future__ import annotations

import asyncio
import threading
import warnings

import pytest
from asgiref.testing import ApplicationCommunicator
from django.db import connection
from django.test import override_settings

from marblejar.lib.handler import Handler

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.urls("marblejar.lib.tests.handler_urls"),
]


def ask(handler: Handler, path: str, *, query: bytes = b"") -> tuple[int, dict, bytes]:
    async def run() -> tuple[int, dict, bytes]:
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": query,
            "root_path": "",
            "headers": [(b"host", b"testserver")],
            "client": ("127.0.0.1", 50000),
            "server": ("testserver", 80),
        }
        talk = ApplicationCommunicator(handler, scope)
        await talk.send_input({"type": "http.request", "body": b""})
        start = await talk.receive_output(10)
        body = b""
        while True:
            message = await talk.receive_output(10)
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        await talk.wait(10)
        return start["status"], dict(start["headers"]), body

    return asyncio.run(run())


@pytest.fixture
def handler():
    handler = Handler(2)
    yield handler
    handler.pool.shutdown(wait=True)
    handler.stream_thread.shutdown(wait=True)


@override_settings(ALLOWED_HOSTS=["testserver"])
def test_pages_run_on_the_kept_threads_with_their_connection(handler):
    answers = [ask(handler, "/page/")[2].decode().split() for _ in range(6)]
    threads = {name for name, _connection in answers}
    assert threads <= {"marblejar-page_0", "marblejar-page_1"}
    if connection.vendor != "sqlite":
        return  # PostgreSQL's connections come from the process's pool
    # One database connection per kept thread, not one per request: what
    # each connection keeps (SQLite's pragmas, compiled reads) is kept too.
    connections = {name: set() for name in threads}
    for name, opened in answers:
        connections[name].add(opened)
    assert all(len(kept) == 1 for kept in connections.values())
    assert threading.active_count() < 20


@override_settings(ALLOWED_HOSTS=["testserver"])
def test_a_page_written_in_parts_is_read_on_a_page_thread_without_a_warning(handler):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        status, _headers, body = ask(handler, "/parts/")
    assert status == 200
    lines = body.decode().splitlines()
    assert [line.split(" on ")[0] for line in lines] == ["part 0", "part 1", "part 2"]
    assert all(line.split(" on ")[1].startswith("marblejar-page_") for line in lines)


@override_settings(ALLOWED_HOSTS=["testserver"])
def test_a_live_stream_takes_the_event_loop_not_a_page_thread(handler):
    status, headers, body = ask(handler, "/stream/")
    assert status == 200
    assert headers[b"Content-Type"] == b"text/event-stream"
    events = body.decode().strip().split("\n\n")
    assert [event.split(" on ")[0] for event in events] == ["data: 0", "data: 1", "data: 2"]
    assert not any("marblejar-page_" in event for event in events)


@override_settings(ALLOWED_HOSTS=["testserver"])
def test_every_stream_checks_on_one_thread_of_its_own(handler):
    """Not a thread (and a database connection) for each stream opened."""

    async def open_together() -> list[str]:
        return await asyncio.gather(
            *(asyncio.to_thread(ask, handler, "/stream-checked/") for _ in range(4))
        )

    answers = asyncio.run(open_together())
    assert {body.decode().strip() for _status, _headers, body in answers} == {
        "data: checked on marblejar-streams_0"
    }


@override_settings(ALLOWED_HOSTS=["testserver"])
def test_a_failing_page_answers_500_and_the_threads_go_on(handler):
    status, _headers, _body = ask(handler, "/broken/")
    assert status == 500
    assert ask(handler, "/page/")[0] == 200


@override_settings(ALLOWED_HOSTS=["testserver"])
def test_an_unknown_path_is_a_page_404(handler):
    status, _headers, _body = ask(handler, "/nowhere/")
    assert status == 404
    assert handler.streams["/nowhere/"] is False


def test_the_site_runs_on_this_handler():
    from marblejar import asgi

    assert isinstance(asgi.django_handler, Handler)
