"""Server-side latency of the coach's inline check (the widget's request).

Runs the whole Django stack in-process (middleware, session, CSRF, the view,
the coach, the template) for typical paragraphs a person types into a
reflection or a review note, and prints p50/p95/p99 in milliseconds.

    .venv/bin/python bench/coach_check_latency.py [--requests 2000]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

PARAGRAPHS = [
    "I ran the migration against production at 09:12 and the error rate rose within a minute.",
    "Sam should have checked the dashboard before deploying, the signs were there all along.",
    "The alert should have fired at 5% but the threshold was 50% after last quarter's tune-up.",
    "Why didn't you escalate when the queue depth kept growing for twenty minutes?",
    "We failed over to the replica and the job failed to acquire the lock twice, then recovered.",
    "Honestly it was a rookie mistake, anyone could see the config was wrong.",
    "What made waiting look reasonable at that point? I'm asking because I'd have waited too.",
    "Next time we will add a guard to the deploy script so the safe default is the easy one.",
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    args = parser.parse_args()

    data_dir = tempfile.mkdtemp(prefix="marblejar-bench-")
    os.environ.setdefault("MARBLEJAR_DATA_DIR", data_dir)
    os.environ.setdefault("MARBLEJAR_ALLOWED_HOSTS", "testserver")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marblejar.settings")
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    from marblejar.accounts.models import Organization, User

    call_command("migrate", verbosity=0)
    org = Organization.objects.create(name="Bench")
    user = User.objects.create(email="b@bench.test", display_name="B", organization=org)
    client = Client()
    client.force_login(user)

    # Paragraphs of 2–4 sentences, as typed into a note (about 40–90 words).
    texts = [
        " ".join(PARAGRAPHS[(i + j) % len(PARAGRAPHS)] for j in range(2 + i % 3))
        for i in range(len(PARAGRAPHS) * 3)
    ]
    for text in texts[:50]:  # warm-up: imports, template cache, regex compilation
        client.post("/coach/check/", {"coach_field": "body", "body": text})

    timings = []
    for i in range(args.requests):
        text = texts[i % len(texts)]
        start = time.perf_counter()
        response = client.post("/coach/check/", {"coach_field": "body", "body": text})
        timings.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200
    timings.sort()
    q = statistics.quantiles(timings, n=100)
    print(f"coach inline check, {args.requests} requests, whole Django stack in-process")
    print(
        f"p50 {q[49]:.2f} ms   p95 {q[94]:.2f} ms   p99 {q[98]:.2f} ms   max {timings[-1]:.2f} ms"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
