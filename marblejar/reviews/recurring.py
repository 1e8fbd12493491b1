"""Does a new theme look like an earlier one? Text similarity of theme titles.

Plain Python over rapidfuzz, no Django, so that it can be measured on its
own: ``python -m marblejar.reviews.recurring`` reads the labelled pairs in
``data/theme_pairs.csv``, chooses the threshold on one half and reports
precision and recall on the other (docs/recurring-themes.md has the figures).

Titles are lower-cased, stripped of punctuation and of function words
(``data/stopwords.txt``), then compared with rapidfuzz's
``token_sort_ratio`` (the words sorted, then an edit-distance ratio): word
order does not matter ("Confusion about the deploy freeze" and "Deploy
freeze confusion"), and near spellings count ("deploy", "deploys"). It
sees words, not meaning: a paraphrase that shares no word with the earlier
title is missed, and two titles about
different things that share words can match. The threshold leans towards
precision, because a wrong "this looks like…" costs the facilitator more
than a missing one.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from rapidfuzz import fuzz, process, utils

DATA = Path(__file__).parent / "data"
PAIRS = DATA / "theme_pairs.csv"
# Chosen by :func:`choose_threshold` on the tuning half of the labelled pairs
# (a test checks that it still is).
THRESHOLD = 45
# Precision counts for more than recall when choosing it (F-beta with this beta).
BETA = 0.5


@functools.cache
def stopwords() -> frozenset[str]:
    lines = (DATA / "stopwords.txt").read_text(encoding="utf-8").splitlines()
    return frozenset(w.strip() for w in lines if w.strip() and not w.startswith("#"))


def normalise(title: str) -> str:
    words = utils.default_process(title).split()
    kept = [w for w in words if w not in stopwords()]
    return " ".join(kept or words)


def similarity(a: str, b: str) -> float:
    """0 to 100: how alike two theme titles read."""
    return fuzz.token_sort_ratio(normalise(a), normalise(b))


def matches(
    title: str, earlier: Sequence[str], *, threshold: float = THRESHOLD, limit: int = 3
) -> list[tuple[int, float]]:
    """(index in ``earlier``, score) of the earlier titles that look like ``title``, best first."""
    if not earlier or not title.strip():
        return []
    found = process.extract(
        normalise(title),
        [normalise(t) for t in earlier],
        scorer=fuzz.token_sort_ratio,
        score_cutoff=threshold,
        limit=limit,
    )
    return [(index, score) for _choice, score, index in found]


# Measuring it --------------------------------------------------------------------------


@dataclass(frozen=True)
class Pair:
    a: str
    b: str
    same: bool

    @property
    def half(self) -> str:
        """ "tune" or "test", by a hash of the pair: stable, and blind to the file's order."""
        digest = hashlib.sha256(f"{self.a}|{self.b}".encode()).digest()
        return "tune" if digest[0] % 2 == 0 else "test"

    @property
    def shares_a_word(self) -> bool:
        return bool(set(normalise(self.a).split()) & set(normalise(self.b).split()))


def read_pairs(path: Path = PAIRS) -> list[Pair]:
    with path.open(encoding="utf-8", newline="") as f:
        return [Pair(r["a"], r["b"], r["same"].strip() == "1") for r in csv.DictReader(f)]


@dataclass(frozen=True)
class Figures:
    threshold: float
    pairs: int
    true_pos: int
    false_pos: int
    false_neg: int

    @property
    def precision(self) -> float:
        found = self.true_pos + self.false_pos
        return self.true_pos / found if found else 1.0

    @property
    def recall(self) -> float:
        same = self.true_pos + self.false_neg
        return self.true_pos / same if same else 1.0

    def f_beta(self, beta: float = BETA) -> float:
        p, r = self.precision, self.recall
        return (1 + beta**2) * p * r / (beta**2 * p + r) if p + r else 0.0


def measure(pairs: Iterable[Pair], threshold: float) -> Figures:
    tp = fp = fn = n = 0
    for pair in pairs:
        n += 1
        hit = similarity(pair.a, pair.b) >= threshold
        tp += hit and pair.same
        fp += hit and not pair.same
        fn += (not hit) and pair.same
    return Figures(threshold, n, tp, fp, fn)


def choose_threshold(pairs: Sequence[Pair]) -> float:
    """The threshold (whole numbers 30 to 99) with the best F-beta on ``pairs``; ties go higher."""
    return max(range(30, 100), key=lambda t: (round(measure(pairs, t).f_beta(), 6), t))


def report(pairs: Sequence[Pair]) -> str:
    tune = [p for p in pairs if p.half == "tune"]
    test = [p for p in pairs if p.half == "test"]
    chosen = choose_threshold(tune)
    lines = [
        f"{len(pairs)} labelled pairs: {sum(p.same for p in pairs)} same topic, "
        f"{sum(not p.same for p in pairs)} not; tuning half {len(tune)}, test half {len(test)}",
        f"threshold chosen on the tuning half (best F{BETA:g}): {chosen:g}"
        + ("" if chosen == THRESHOLD else f"  (THRESHOLD in the code is {THRESHOLD:g})"),
    ]
    for name, part in (("tuning half", tune), ("test half", test)):
        f = measure(part, chosen)
        lines.append(
            f"{name}: precision {f.precision:.2f}, recall {f.recall:.2f} "
            f"({f.true_pos} found, {f.false_pos} wrongly, {f.false_neg} missed)"
        )
    same_words = [p for p in test if p.same and p.shares_a_word]
    no_words = [p for p in test if p.same and not p.shares_a_word]
    hard = [p for p in test if not p.same and p.shares_a_word]
    easy = [p for p in test if not p.same and not p.shares_a_word]
    lines += [
        f"test half, same topic sharing a word: recall {measure(same_words, chosen).recall:.2f} "
        f"of {len(same_words)}",
        f"test half, same topic sharing no word: recall {measure(no_words, chosen).recall:.2f} "
        f"of {len(no_words)}",
        f"test half, different topics sharing a word: {measure(hard, chosen).false_pos} of "
        f"{len(hard)} wrongly matched",
        f"test half, different topics sharing no word: {measure(easy, chosen).false_pos} of "
        f"{len(easy)} wrongly matched",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else PAIRS
    print(report(read_pairs(path)))
