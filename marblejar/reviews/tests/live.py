"""Clients of a real Marblejar server for review tests: sessions, tokens, raw SSE."""

from __future__ import annotations

import threading
import time
from typing import Any

import httpx
from django.test import Client

from marblejar.accounts.services import token_create


def session_client(server: Any, user: Any) -> httpx.Client:
    """An httpx client logged in as ``user`` (a session made without a password round trip)."""
    django_client = Client()
    django_client.force_login(user)
    client = httpx.Client(base_url=server.url, timeout=30)
    client.cookies.set("sessionid", django_client.cookies["sessionid"].value)
    return client


def token_client(server: Any, user: Any) -> httpx.Client:
    _token, raw = token_create(user=user, name="review test")
    return httpx.Client(base_url=server.url, timeout=60, headers={"Authorization": f"Bearer {raw}"})


def csrf_post(client: httpx.Client, url: str, data: dict[str, Any], board: str) -> httpx.Response:
    """POST a board form the way HTMX does (CSRF token from the board page's cookie)."""
    if "csrftoken" not in client.cookies:
        client.get(board)
    token = client.cookies["csrftoken"]
    return client.post(
        url,
        data=data,
        headers={
            "X-CSRFToken": token,
            "HX-Request": "true",
            "Referer": str(client.base_url.join(board)),
        },
    )


class RawStream:
    """Reads an SSE endpoint in a thread and keeps every byte it received."""

    def __init__(self, client: httpx.Client, url: str, headers: dict[str, str] | None = None):
        self.client, self.url, self.headers = client, url, headers or {}
        self.raw = ""
        self.events: list[tuple[int, str, str]] = []
        self.status: int | None = None
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> RawStream:
        self._thread.start()
        assert self._ready.wait(15), "the stream did not open"
        time.sleep(0.3)  # let the server subscribe before anything is published
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        with self.client.stream("GET", self.url, headers=self.headers, timeout=60) as response:
            self.status = response.status_code
            self._ready.set()
            frame: dict[str, str] = {}
            for line in response.iter_lines():
                self.raw += line + "\n"
                if self._stop.is_set():
                    return
                if line == "":
                    if "event" in frame:
                        self.events.append(
                            (int(frame["id"]), frame["event"], frame.get("data", ""))
                        )
                    frame = {}
                elif not line.startswith(":"):
                    key, _sep, value = line.partition(": ")
                    frame[key] = value

    def wait_for(self, kind: str, count: int = 1, timeout: float = 15) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if sum(1 for _id, k, _data in self.events if k == kind) >= count:
                return
            time.sleep(0.05)
        raise AssertionError(f"no {kind} event within {timeout}s; got {self.events}")
