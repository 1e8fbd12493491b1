"""The recurring-theme matcher and the figures the docs give for it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from marblejar.reviews import recurring

DOCS = Path(__file__).parents[3] / "docs" / "recurring-themes.md"


def test_the_labelled_set_is_big_enough_and_has_the_hard_cases():
    pairs = recurring.read_pairs()
    assert len(pairs) >= 150
    assert len({(p.a, p.b) for p in pairs}) == len(pairs)
    assert sum(1 for p in pairs if p.same and not p.shares_a_word) >= 20
    assert sum(1 for p in pairs if not p.same and p.shares_a_word) >= 20


def test_the_threshold_in_the_code_is_the_one_chosen_on_the_tuning_half():
    tune = [p for p in recurring.read_pairs() if p.half == "tune"]
    assert recurring.choose_threshold(tune) == recurring.THRESHOLD


def test_the_docs_give_the_figures_the_command_prints():
    report = recurring.report(recurring.read_pairs())
    test_line = next(line for line in report.splitlines() if line.startswith("test half:"))
    p, r = re.findall(r"(\d\.\d\d)", test_line)[:2]
    docs = DOCS.read_text(encoding="utf-8")
    assert f"precision **{p}**" in docs and f"recall **{r}**" in docs
    assert "python -m marblejar.reviews.recurring" in docs


@pytest.mark.parametrize(
    ("new", "earlier", "found"),
    [
        ("Confusion about the deploy freeze", "Deploy freeze confusion", True),
        ("Flaky tests again", "Flaky tests", True),
        ("Coffee machine broken", "Deploy freeze confusion", False),
        ("", "Deploy freeze confusion", False),
    ],
)
def test_it_matches_by_words_in_any_order(new, earlier, found):
    assert bool(recurring.matches(new, [earlier])) is found
