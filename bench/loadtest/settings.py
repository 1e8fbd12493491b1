"""Marblejar's settings with one more address: a minimal view, the load test's reference."""

from marblejar.settings import *  # noqa: F403

ROOT_URLCONF = "bench.loadtest.urls"
