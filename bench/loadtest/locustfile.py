"""People reading Marblejar: a realistic mix of its main pages, or the minimal view.

Each simulated person has a session of one of the prepared people (a JSON
file named by MARBLEJAR_LOAD_SESSIONS) and reads a page every
MARBLEJAR_LOAD_INTERVAL seconds on average, at random moments (exponential
gaps kept to a schedule: :func:`arrivals`), so 500 people at 10 s make an
open-loop load of 50 requests/s arriving as a Poisson stream: a person's
next request does not wait for a slow answer unless it is already due. With
MARBLEJAR_LOAD_INTERVAL=0 every person asks again as soon as answered
(saturation). MARBLEJAR_LOAD_ONLY=minimal reads only the minimal view.

With MARBLEJAR_LOAD_REVIEW (a JSON file: a review in its writing phase and
participants' API tokens), participants also write notes through the API,
one every 5 s on average each ("review note (API)").
"""

from __future__ import annotations

import itertools
import json
import os
import random
import time
import uuid
from pathlib import Path

import gevent
from locust import FastHttpUser, constant, task

SESSIONS = json.loads(open(os.environ["MARBLEJAR_LOAD_SESSIONS"]).read())  # noqa: SIM115
INTERVAL = float(os.environ.get("MARBLEJAR_LOAD_INTERVAL", "10"))
ONLY = os.environ.get("MARBLEJAR_LOAD_ONLY", "")

# (page, share of requests): what people open most, first.
MIX = [
    ("team", 25),
    ("reflections", 14),
    ("one reflection", 14),
    ("jar", 10),
    ("pulse list", 8),
    ("pulse results", 7),
    ("actions", 8),
    ("review list", 8),
    ("account", 4),
    ("org pulse overview", 2),
]
NAMES = [name for name, _ in MIX]
WEIGHTS = [weight for _, weight in MIX]


def arrivals(mean_gap: float):
    """A wait time that keeps each person to a schedule of exponential gaps.

    Each person's requests are due at random moments (a Poisson process of
    rate 1/``mean_gap``), counted from their first request, whatever the
    answers took: the people together make an open-loop Poisson stream.
    (locust's ``constant_throughput`` counts from when the person was
    created, so people created within two seconds of each other all asked
    within the same two seconds of every interval: bursts, not a rate.)
    """

    def wait_time(user) -> float:
        now = time.monotonic()
        due = getattr(user, "due", None)
        user.due = (now if due is None else due) + random.expovariate(1 / mean_gap)  # noqa: S311
        return max(0.0, user.due - now)

    return wait_time


class Person(FastHttpUser):
    wait_time = constant(0) if INTERVAL == 0 else arrivals(INTERVAL)

    def on_start(self) -> None:
        self.me = random.choice(SESSIONS)  # noqa: S311
        if INTERVAL:
            # The first requests at random moments too, not all at once.
            gevent.sleep(random.expovariate(1 / INTERVAL))  # noqa: S311
        self.client.cookiejar.set_cookie(_cookie("sessionid", self.me["session"], self.host))

    @task
    def read(self) -> None:
        if ONLY == "minimal":
            self.client.get("/bench/minimal/", name="minimal view")
            return
        name = random.choices(NAMES, WEIGHTS)[0]  # noqa: S311
        if name == "org pulse overview" and not self.me["admin"]:
            name = "team"
        url = random.choice(self.me["pages"][name])  # noqa: S311
        with self.client.get(url, name=name, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code} for {url}")


_review_file = os.environ.get("MARBLEJAR_LOAD_REVIEW")
REVIEW = json.loads(Path(_review_file).read_text()) if _review_file else None

if REVIEW:
    _tokens = itertools.cycle(REVIEW["tokens"])

    class Participant(FastHttpUser):
        """Someone in the live review, writing notes."""

        fixed_count = len(REVIEW["tokens"])
        wait_time = arrivals(5)

        def on_start(self) -> None:
            self.headers = {"Authorization": f"Bearer {next(_tokens)}"}
            gevent.sleep(random.expovariate(1 / 5))  # noqa: S311

        @task
        def write(self) -> None:
            with self.client.post(
                f"/api/v1/reviews/{REVIEW['review']}/notes",
                json={"column": REVIEW["column"], "text": f"note {uuid.uuid4().hex[:8]}"},
                headers=self.headers,
                name="review note (API)",
                catch_response=True,
            ) as response:
                if response.status_code != 201:
                    response.failure(f"{response.status_code}: {response.text[:200]}")


def _cookie(name: str, value: str, host: str):
    from http.cookiejar import Cookie
    from urllib.parse import urlsplit

    domain = urlsplit(host).hostname
    return Cookie(
        0,
        name,
        value,
        None,
        False,
        domain,
        False,
        False,
        "/",
        True,
        False,
        None,
        False,
        None,
        None,
        {},
    )
