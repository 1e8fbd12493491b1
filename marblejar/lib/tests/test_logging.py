"""MARBLEJAR_LOG_FORMAT=json: one JSON object per line, for a log collector."""

from __future__ import annotations

import json
import os
import subprocess
import sys

SCRIPT = """
import logging, django
django.setup()
logging.getLogger("marblejar.reviews").warning("review %s closed", 7, extra={"review_id": 7})
"""


def run(**env: str) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603
        [sys.executable, "-c", SCRIPT],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "marblejar.settings", **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_json_logs_are_one_object_per_line():
    done = run(MARBLEJAR_LOG_FORMAT="json")
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    record = json.loads(lines[-1])
    assert record["message"] == "review 7 closed"
    assert record["level"] == "WARNING" and record["logger"] == "marblejar.reviews"
    assert record["review_id"] == 7 and "time" in record and "process" in record


def test_text_logs_by_default_and_a_wrong_format_is_refused():
    done = run()
    assert "WARNING marblejar.reviews review 7 closed" in done.stderr
    wrong = run(MARBLEJAR_LOG_FORMAT="yaml")
    assert wrong.returncode != 0 and "MARBLEJAR_LOG_FORMAT is text or json" in wrong.stderr
