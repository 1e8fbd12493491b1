"""Throughput and latency of the Marblejar language coach.

    python bench/coach_throughput.py [--repeats 7] [--paragraphs 2000]

Measures, on one core (pinned when the OS allows it):
* sentences per second over three sets of 15-30-word sentences:
  - "labelled": the labelled corpus and hold-out (about half flagged, many
    sentences deliberately full of trigger words): a worst case;
  - "typical": the labelled sentences mixed 1:3 with synthetic clean
    review sentences, closer to a real retrospective;
  - "clean": synthetic clean sentences only (the prefilter's fast path);
* latency of one analyze() call on a ~120-word paragraph: p50, p95, p99.

Each throughput figure is the median of several repeats over the whole set,
with min and max; both wall-clock and process CPU time are reported, because
on a shared machine wall-clock includes time spent waiting for the core.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from marblejar.coach import analyze, load_rules  # noqa: E402
from marblejar.coach.evaluate import DEFAULT_CORPUS, HOLDOUT, read_examples  # noqa: E402

SYSTEMS = [
    "the checkout service",
    "the primary database",
    "the search cluster",
    "the payments queue",
    "the edge proxy",
    "the billing worker",
    "the auth gateway",
    "the image resizer",
]
EVENTS = [
    "started returning 502s",
    "reached 90% disk usage",
    "fell behind on replication",
    "restarted three times",
    "hit its connection limit",
    "stopped consuming messages",
    "doubled its p99 latency",
]
FOLLOW = [
    "while the nightly batch was running",
    "shortly after the config push reached the second region",
    "during the regular Monday traffic peak",
    "as the cache warmed up after the deploy",
    "when the autoscaler added two nodes in the other zone",
]
AFTER = [
    "and the dashboards showed the change within about two minutes",
    "so we opened an incident channel and started a bridge call",
    "which we confirmed by comparing the graphs with the deploy markers",
    "and support reported the first customer tickets ten minutes later",
    "before traffic returned to its usual level around 10:40",
]


def synthetic_clean(n: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    out: list[str] = []
    while len(out) < n:
        hh, mm = rng.randint(0, 23), rng.randint(0, 59)
        s = (
            f"At {hh:02d}:{mm:02d} {rng.choice(SYSTEMS)} {rng.choice(EVENTS)} "
            f"{rng.choice(FOLLOW)}, {rng.choice(AFTER)}."
        )
        if 15 <= len(s.split()) <= 30:
            out.append(s)
    return out


PARAGRAPH = (
    "At 02:10 the checkout service started returning 502s during the regular traffic "
    "peak, and the dashboards showed the change within two minutes. The on-call engineer "
    "was paged at 02:12 and joined the bridge at 02:15. Looking back, Sam should have "
    "checked the replica lag before promoting it, but the panel was hidden by default. "
    "Why didn't you roll back when the error rate spiked? We rolled back at 02:41 and "
    "traffic returned to its usual level around 02:50. The root cause was a config "
    "change pushed without a canary, and it was not obvious from the alert which tenant "
    "was affected."
)


def pin_to_one_core() -> str:
    try:
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
        return f"pinned to core {min(os.sched_getaffinity(0))}"
    except (AttributeError, OSError):
        return "not pinned (sched_setaffinity unavailable)"


def throughput(sentences: list[str], repeats: int) -> dict[str, float]:
    wall: list[float] = []
    cpu: list[float] = []
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        for s in sentences:
            analyze(s)
        t1, c1 = time.perf_counter(), time.process_time()
        wall.append(len(sentences) / (t1 - t0))
        cpu.append(len(sentences) / max(c1 - c0, 1e-9))
    return {
        "median": statistics.median(wall),
        "min": min(wall),
        "max": max(wall),
        "cpu_median": statistics.median(cpu),
    }


def latency(text: str, n: int) -> dict[str, float]:
    samples = []
    for _ in range(n):
        t0 = time.perf_counter_ns()
        analyze(text)
        samples.append((time.perf_counter_ns() - t0) / 1000)
    samples.sort()

    def pct(p: float) -> float:
        return samples[min(len(samples) - 1, int(p / 100 * len(samples)))]

    return {"p50": pct(50), "p95": pct(95), "p99": pct(99), "max": samples[-1]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--paragraphs", type=int, default=2000)
    args = parser.parse_args(argv)

    pinned = pin_to_one_core()
    load_rules()  # compile once, outside the timings
    labelled = [e.text for f in (DEFAULT_CORPUS, HOLDOUT) for e in read_examples(f)]
    clean = synthetic_clean(3 * len(labelled))
    leaked = sum(bool(analyze(s)) for s in clean)
    typical = labelled + clean
    random.Random(1).shuffle(typical)
    flagged = sum(bool(analyze(s)) for s in typical)

    def words(xs: list[str]) -> float:
        return statistics.mean(len(x.split()) for x in xs)

    print("command: python bench/coach_throughput.py " + " ".join(argv or sys.argv[1:]))
    print(
        f"python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} cores; "
        f"{pinned}; load average {os.getloadavg()[0]:.2f}"
    )
    print(
        f"paragraph: {len(PARAGRAPH.split())} words; synthetic clean flagged by mistake: {leaked}"
    )
    sets = {
        "labelled": labelled,
        "typical": typical,
        "clean": clean,
    }
    for name, sentences in sets.items():
        r = throughput(sentences, args.repeats)
        share = sum(bool(analyze(s)) for s in sentences) / len(sentences)
        print(
            f"{name:9} {len(sentences):5} sentences, {words(sentences):4.1f} words avg, "
            f"{share:4.0%} flagged: median {r['median']:8,.0f}/s "
            f"(min {r['min']:,.0f}, max {r['max']:,.0f}; CPU-time median {r['cpu_median']:,.0f}/s)"
        )
    lat = latency(PARAGRAPH, args.paragraphs)
    print(
        f"latency, one {len(PARAGRAPH.split())}-word paragraph x {args.paragraphs}: "
        f"p50 {lat['p50']:.0f} us, p95 {lat['p95']:.0f} us, p99 {lat['p99']:.0f} us, "
        f"max {lat['max']:.0f} us"
    )
    print(f"typical set: {flagged} of {len(typical)} sentences flagged")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
