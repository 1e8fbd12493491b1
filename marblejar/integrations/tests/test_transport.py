"""Posting itself: what a closed port, a slow receiver and an error answer come to."""

from __future__ import annotations

import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from marblejar.integrations import transport
from marblejar.integrations.tests.receivers import receiver


def test_a_closed_port_is_a_failure_worth_retrying():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    outcome = transport.post(f"http://127.0.0.1:{port}/hook", body=b"{}", headers={})
    assert (outcome.ok, outcome.retry, outcome.status_code) == (False, True, None)
    assert outcome.error.startswith("ConnectError")


def test_a_receiver_that_does_not_answer_in_time_is_given_up_on_for_now(monkeypatch):
    import httpx

    monkeypatch.setattr(transport, "TIMEOUT", httpx.Timeout(0.3, connect=0.3))

    class Slow(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            time.sleep(1.5)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Slow)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/hook"
        outcome = transport.post(url, body=b"{}", headers={})
    finally:
        server.shutdown()
        server.server_close()
    assert (outcome.ok, outcome.retry) == (False, True)
    assert outcome.error.startswith("No answer within")


@pytest.mark.parametrize(
    ("status", "retry"), [(429, True), (502, True), (400, False), (410, False)]
)
def test_which_answers_are_tried_again(status, retry):
    with receiver(statuses=[status]) as hook:
        outcome = transport.post(hook.url, body=b"{}", headers={"X-Test": "1"})
    assert (outcome.ok, outcome.status_code, outcome.retry) == (False, status, retry)
    assert hook.received[0].headers["user-agent"] == transport.USER_AGENT


def test_the_host_header_names_the_host_although_the_checked_address_is_dialled():
    with receiver() as hook:
        url = hook.url.replace("127.0.0.1", "localhost")
        outcome = transport.post(url, body=b"{}", headers={})
    assert outcome.ok
    port = hook.url.split(":")[2].split("/")[0]
    assert hook.received[0].headers["host"] == f"localhost:{port}"


def test_addresses_are_shown_only_as_their_host_and_last_four_characters():
    hint = transport.url_hint("https://hooks.slack.com/services/T0AAA/B0BBB/secretWXYZ")
    assert hint == "hooks.slack.com …WXYZ"
