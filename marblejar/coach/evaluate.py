"""Score the language coach against a labelled file.

    python -m marblejar.coach.evaluate [FILE] [--errors]

FILE is a tab-separated file (default: the bundled corpus) with two columns:
the expected categories and the sentence. Expected categories are separated
by commas, ``-`` means "nothing should be flagged", and a trailing ``?`` marks
a category that is acceptable but not required (for sentences that honestly
belong to two categories). Lines starting with ``#`` are comments.

Scores:
* overall, per sentence: a true positive is a sentence that should be flagged
  and is flagged at all; a false positive is a sentence that should not be
  flagged and is.
* per category: recall is the share of sentences that require the category
  and get it; precision is the share of sentences flagged with the category
  for which the category was required or acceptable.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from . import analyze, load_rules

DEFAULT_CORPUS = Path(__file__).parent / "tests" / "corpus.tsv"
HOLDOUT = Path(__file__).parent / "tests" / "holdout.tsv"


@dataclass(frozen=True, slots=True)
class Example:
    line: int
    text: str
    required: frozenset[str]
    acceptable: frozenset[str]


@dataclass(slots=True)
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass(slots=True)
class Report:
    overall: Counts = field(default_factory=Counts)
    per_category: dict[str, Counts] = field(default_factory=dict)
    support: dict[str, int] = field(default_factory=dict)
    errors: list[tuple[Example, frozenset[str]]] = field(default_factory=list)
    n: int = 0


def read_examples(path: Path) -> list[Example]:
    examples = []
    for n, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not raw.strip() or raw.startswith("#"):
            continue
        expected, sep, text = raw.partition("\t")
        if not sep:
            raise ValueError(f"{path}:{n}: expected two tab-separated columns")
        required: set[str] = set()
        acceptable: set[str] = set()
        for item in expected.split(","):
            item = item.strip()
            if not item or item == "-":
                continue
            if item.endswith("?"):
                acceptable.add(item[:-1])
            else:
                required.add(item)
        examples.append(Example(n, text, frozenset(required), frozenset(required | acceptable)))
    return examples


def evaluate(examples: Iterable[Example]) -> Report:
    categories = list(load_rules().categories)
    report = Report(
        per_category={c: Counts() for c in categories}, support=dict.fromkeys(categories, 0)
    )
    for ex in examples:
        report.n += 1
        got = frozenset(f.category for f in analyze(ex.text))
        should = bool(ex.required)
        if should and got:
            report.overall.tp += 1
        elif should:
            report.overall.fn += 1
        elif got:
            report.overall.fp += 1
        for cat in ex.required:
            report.support[cat] = report.support.get(cat, 0) + 1
            counts = report.per_category.setdefault(cat, Counts())
            if cat in got:
                counts.tp += 1
            else:
                counts.fn += 1
        for cat in got - ex.acceptable:
            report.per_category.setdefault(cat, Counts()).fp += 1
        if (should != bool(got)) or not ex.required <= got or not got <= ex.acceptable:
            report.errors.append((ex, got))
    return report


def format_report(report: Report, title: str) -> str:
    o = report.overall
    lines = [
        f"{title}: {report.n} sentences, {o.tp + o.fn} should be flagged",
        f"overall (sentence flagged or not): precision {o.precision:.3f}  "
        f"recall {o.recall:.3f}  F1 {o.f1:.3f}  (tp {o.tp}, fp {o.fp}, fn {o.fn})",
        "",
        f"{'category':28} {'n':>4} {'prec':>6} {'recall':>6} {'F1':>6} {'fp':>4} {'fn':>4}",
    ]
    for cat, c in report.per_category.items():
        n = report.support.get(cat, 0)
        lines.append(
            f"{cat:28} {n:>4} {c.precision:>6.2f} {c.recall:>6.2f} {c.f1:>6.2f} {c.fp:>4} {c.fn:>4}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m marblejar.coach.evaluate", description="Score the language coach."
    )
    parser.add_argument("file", nargs="?", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--errors", action="store_true", help="list sentences scored wrongly")
    args = parser.parse_args(argv)
    if not args.file.exists():
        print(f"error: no such file: {args.file}", file=sys.stderr)
        return 2
    report = evaluate(read_examples(args.file))
    print(format_report(report, args.file.name))
    if args.errors and report.errors:
        print("\nmismatches (line: expected -> got):")
        for ex, got in report.errors:
            exp = ",".join(sorted(ex.required)) or "-"
            print(f"  {ex.line}: {exp} -> {','.join(sorted(got)) or '-'}  | {ex.text}")
    return 0


if __name__ == "__main__":
    try:
        raise SystemExit(main())
    except BrokenPipeError:  # piped into head: not an error
        raise SystemExit(0) from None
