"""Benchmark of the pulse statistics on a large organization.

Synthesises an organization (default: 50,000 people in 6,000 teams of unequal
size, 26 fortnightly pulses, ~70% participation, 7 items on 1-7) and times:

(a) ``stats.batch_group_stats`` over every team x pulse at once, data in memory;
(b) a per-group loop over pingouin (``cronbach_alpha`` + pandas mean/SD) on a
    random sample of groups, extrapolated to all groups; the values of (a) and
    (b) must agree to 1e-9 on the sample;
(c) for scale, a plain SQLite ``GROUP BY team, pulse`` average over the same
    answers in an in-memory database (the web app will add its own database
    comparison).

Run: ``python bench/pulse_stats.py`` (needs the ``bench`` extra for pingouin).
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from marblejar.pulse import stats


@dataclass(frozen=True)
class Org:
    """Keyed answers of a synthetic organization, one row per response."""

    answers: np.ndarray  # responses x items, float64, NaN = skipped
    team: np.ndarray  # team index per response
    pulse: np.ndarray  # pulse index per response
    pulses: int

    @property
    def group(self) -> np.ndarray:
        """One integer per team x pulse, as ``batch_group_stats`` takes it."""
        return self.team * self.pulses + self.pulse


def make_org(
    seed: int,
    people: int = 50_000,
    teams: int = 6_000,
    pulses: int = 26,
    *,
    items: int = 7,
    participation: float = 0.7,
    skip_rate: float = 0.0,
) -> Org:
    """A reproducible organization: unequal teams, team and person effects, 1-7 answers.

    Team sizes are drawn from a gamma-weighted assignment, so some teams have
    two people and some thirty. Each person answers each pulse with
    probability ``participation``; each answer is skipped with probability
    ``skip_rate``.
    """
    rng = np.random.default_rng(seed)
    weights = rng.gamma(shape=2.0, scale=1.0, size=teams)
    team_of_person = rng.choice(teams, size=people, p=weights / weights.sum())
    team_level = rng.normal(4.6, 0.6, size=teams)
    person_level = rng.normal(0.0, 0.8, size=people)
    drift = rng.normal(0.0, 0.03, size=(teams, pulses)).cumsum(axis=1)

    took_part = rng.random((people, pulses)) < participation
    person, pulse = np.nonzero(took_part)
    team = team_of_person[person]
    latent = team_level[team] + drift[team, pulse] + person_level[person]
    noise = rng.normal(0.0, 0.9, size=(person.size, items))
    answers = np.clip(np.rint(latent[:, None] + noise), 1, 7)
    if skip_rate:
        answers[rng.random(answers.shape) < skip_rate] = np.nan
    return Org(
        answers=answers, team=team.astype(np.int64), pulse=pulse.astype(np.int64), pulses=pulses
    )


def best_of(repeats: int, fn: Callable[[], object]) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def sqlite_group_by(org: Org) -> Callable[[], object]:
    """A plain ``GROUP BY team, pulse`` average of the items, in memory."""
    db = sqlite3.connect(":memory:")
    columns = [f"i{c}" for c in range(org.answers.shape[1])]
    db.execute(
        f"create table answer (team int, pulse int, {', '.join(c + ' real' for c in columns)})"
    )
    rows = (
        (int(t), int(p), *(None if np.isnan(v) else float(v) for v in a))
        for t, p, a in zip(org.team, org.pulse, org.answers, strict=True)
    )
    db.executemany(f"insert into answer values (?, ?, {', '.join('?' * len(columns))})", rows)
    mean_expr = f"avg(({' + '.join(columns)}) / {len(columns)}.0)"
    query = f"select team, pulse, count(*), {mean_expr} from answer group by team, pulse"
    return lambda: db.execute(query).fetchall()


def pingouin_loop(
    org: Org, sample: np.ndarray
) -> tuple[float, dict[int, tuple[float, float, float]]]:
    import pandas as pd
    import pingouin as pg

    order = np.argsort(org.group, kind="stable")
    sorted_group = org.group[order]
    starts = np.searchsorted(sorted_group, sample, side="left")
    ends = np.searchsorted(sorted_group, sample, side="right")
    frames = [pd.DataFrame(org.answers[order[s:e]]) for s, e in zip(starts, ends, strict=True)]
    results: dict[int, tuple[float, float, float]] = {}
    start = time.perf_counter()
    for group, frame in zip(sample, frames, strict=True):
        # pingouin refuses a group of one; alpha is undefined there anyway.
        alpha = pg.cronbach_alpha(data=frame)[0] if len(frame) > 1 else np.nan
        scores = frame.mean(axis=1)
        results[int(group)] = (float(alpha), float(scores.mean()), float(scores.std(ddof=1)))
    return time.perf_counter() - start, results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--people", type=int, default=50_000)
    parser.add_argument("--teams", type=int, default=6_000)
    parser.add_argument("--pulses", type=int, default=26)
    parser.add_argument("--sample", type=int, default=300, help="groups timed with pingouin")
    parser.add_argument("--skip-rate", type=float, default=0.0, help="share of skipped answers")
    parser.add_argument("--no-sqlite", action="store_true")
    args = parser.parse_args(argv)

    org = make_org(args.seed, args.people, args.teams, args.pulses, skip_rate=args.skip_rate)
    group = org.group
    print(
        f"organization: {args.people:,} people, {args.teams:,} teams, {args.pulses} pulses, "
        f"{org.answers.shape[0]:,} responses x {org.answers.shape[1]} items, "
        f"skip rate {args.skip_rate:.1%}"
    )

    batch = stats.batch_group_stats(org.answers, group)
    groups = len(batch)
    t_batch = best_of(5, lambda: stats.batch_group_stats(org.answers, group))
    print(f"(a) batch_group_stats, {groups:,} groups: {t_batch:.3f} s")

    rng = np.random.default_rng(args.seed + 1)
    sample = np.sort(rng.choice(batch.group, size=min(args.sample, groups), replace=False))
    with warnings.catch_warnings():
        # pingouin divides by zero on groups whose answers are all equal.
        warnings.simplefilter("ignore", RuntimeWarning)
        t_loop, reference = pingouin_loop(org, sample)
    per_group = t_loop / sample.size
    t_extrapolated = per_group * groups
    print(
        f"(b) pingouin loop: {per_group * 1e3:.2f} ms per group on {sample.size} groups, "
        f"extrapolated to {groups:,} groups: {t_extrapolated:.1f} s"
    )
    print(f"    ratio (b)/(a): {t_extrapolated / t_batch:,.0f}x (goal >= 50x)")

    index = {int(g): i for i, g in enumerate(batch.group)}
    worst = 0.0
    for g, (alpha, mean, sd) in reference.items():
        i = index[g]
        mine = (batch.alpha[i], batch.mean[i], batch.sd[i])
        for name, theirs, ours in zip(
            ("alpha", "mean", "sd"), (alpha, mean, sd), mine, strict=True
        ):
            if np.isfinite(theirs) and not (name == "alpha" and theirs > 1):
                worst = max(worst, abs(theirs - ours))
            else:
                # Undefined (a group of one), or an impossible alpha above 1
                # that pingouin prints and Marblejar does not show.
                assert not np.isfinite(ours), (g, name, theirs, ours)
    print(f"    largest difference on the sample: {worst:.1e} (must be <= 1e-9)")
    if worst > 1e-9:
        print("    VALUES DIFFER", file=sys.stderr)
        return 1

    if not args.no_sqlite:
        query = sqlite_group_by(org)
        t_sql = best_of(3, query)
        print(f"(c) SQLite in-memory GROUP BY team, pulse average: {t_sql:.3f} s")
        print(f"    ratio (a)/(c): {t_batch / t_sql:.2f} (goal <= 1.5)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
