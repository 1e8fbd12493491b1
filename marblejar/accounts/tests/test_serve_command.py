"""`marblejar serve`: how many web processes it starts."""

from __future__ import annotations

import os

from marblejar.accounts.management.commands.serve import default_workers


def test_it_starts_one_web_process_per_core_it_may_run_on(monkeypatch):
    monkeypatch.delenv("MARBLEJAR_WORKERS", raising=False)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1, 2}, raising=False)
    assert default_workers() == 3


def test_the_environment_chooses_otherwise(monkeypatch):
    monkeypatch.setenv("MARBLEJAR_WORKERS", "1")
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1, 2}, raising=False)
    assert default_workers() == 1
