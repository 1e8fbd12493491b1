"""A live event stream read in a thread, as a browser or a script would read it."""

from __future__ import annotations

import threading
import time
from typing import Any

import httpx


class LiveStream:
    """Reads an SSE endpoint until it ends; keeps every event with its arrival time."""

    def __init__(self, client: httpx.Client, url: str, headers: dict[str, str] | None = None):
        self.client, self.url, self.headers = client, url, headers or {}
        self.events: list[tuple[int, str, str]] = []
        self.arrived: list[float] = []
        self.status: int | None = None
        self.opened = threading.Event()  # the server has subscribed (first frame)
        self.ended = threading.Event()  # the server closed the stream
        self.told_closed = False  # ... after saying so (access ended)
        self._stop = False
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> LiveStream:
        self._thread.start()
        assert self.opened.wait(15) or self.ended.is_set(), "the stream did not open"
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop = True
        self._thread.join(timeout=5)

    def _run(self) -> None:
        try:
            with self.client.stream("GET", self.url, headers=self.headers, timeout=60) as response:
                self.status = response.status_code
                frame: dict[str, str] = {}
                for line in response.iter_lines():
                    if self._stop:
                        return
                    if line.startswith("retry:"):
                        self.opened.set()
                    if line == "":
                        if frame.get("event") == "closed":
                            self.told_closed = True
                        elif "event" in frame:
                            self.events.append(
                                (int(frame["id"]), frame["event"], frame.get("data", ""))
                            )
                            self.arrived.append(time.monotonic())
                        frame = {}
                    elif not line.startswith(":"):
                        key, _sep, value = line.partition(": ")
                        frame[key] = value
        except httpx.HTTPError:
            pass
        finally:
            self.ended.set()
            self.opened.set()

    def wait_for(self, count: int, timeout: float = 10) -> list[tuple[int, str, str]]:
        deadline = time.monotonic() + timeout
        while len(self.events) < count and time.monotonic() < deadline and not self.ended.is_set():
            time.sleep(0.01)
        return list(self.events)

    def data(self) -> list[str]:
        return [data.strip() for _id, _kind, data in self.events]
