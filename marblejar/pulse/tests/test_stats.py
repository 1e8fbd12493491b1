"""Tests of the pulse statistics against published reference outputs and properties."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy import stats as sps

from marblejar.pulse import stats

DATA = Path(__file__).parent / "data"


def read_csv(name: str) -> tuple[list[str], np.ndarray]:
    with open(DATA / name, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    header, body = rows[0], rows[1:]
    values = np.array([[float(v) if v.strip() else np.nan for v in row] for row in body])
    return header, values


@pytest.fixture(scope="module")
def bh1996() -> dict[str, np.ndarray]:
    header, values = read_csv("bh1996.csv")
    return {name: values[:, i] for i, name in enumerate(header)}


# ---------------------------------------------------------------------------
# ICC(1), ICC(2) against R multilevel on bh1996


def test_icc1_of_wellbeing_matches_r_multilevel(bh1996: dict[str, np.ndarray]) -> None:
    # R: library(multilevel); data(bh1996)
    #    tmod <- aov(WBEING ~ as.factor(GRP), data = bh1996); ICC1(tmod)
    #    [1] 0.04336905
    # Published output in the walk-through of Bliese's multilevel tutorial,
    # https://jasondmarshall.com/multilevel-steps ("Option 2: Let R Calculate
    # ICC(1) by Creating an aov model").
    result = stats.icc(bh1996["WBEING"], bh1996["GRP"])
    assert result.icc1 == pytest.approx(0.04336905, abs=1e-8)
    assert result.n == 7382
    assert result.groups == 99


def test_icc_of_bh1996_is_the_one_way_anova_formula(bh1996: dict[str, np.ndarray]) -> None:
    # ICC2 of WBEING and both ICCs of HRS: we found no published print-out to
    # more than two decimals (Bliese 2000 reports ICC(2) = .77 for well-being),
    # so these are the values of the formulas of R multilevel's ICC1()/ICC2()
    # (MSB, MSW from aov, k = N / G), recomputed here from a textbook two-pass
    # ANOVA that shares no code with stats.icc.
    groups = bh1996["GRP"]
    for column, icc1, icc2 in (
        ("WBEING", 0.04336905007711069, 0.7717128755404233),
        ("HRS", 0.13310667908649038, 0.9196731953790889),
    ):
        y = bh1996[column]
        labels = np.unique(groups)
        means = {g: y[groups == g].mean() for g in labels}
        ssb = sum((groups == g).sum() * (means[g] - y.mean()) ** 2 for g in labels)
        ssw = sum(((y[groups == g] - means[g]) ** 2).sum() for g in labels)
        msb = ssb / (labels.size - 1)
        msw = ssw / (y.size - labels.size)
        k = y.size / labels.size
        assert (msb - msw) / (msb + (k - 1) * msw) == pytest.approx(icc1, abs=1e-12)
        assert (msb - msw) / msb == pytest.approx(icc2, abs=1e-12)
        result = stats.icc(y, groups)
        assert result.icc1 == pytest.approx(icc1, abs=1e-10)
        assert result.icc2 == pytest.approx(icc2, abs=1e-10)
    assert round(stats.icc(bh1996["WBEING"], groups).icc2, 2) == 0.77


def test_icc_from_group_summaries_equals_icc_from_scores(bh1996: dict[str, np.ndarray]) -> None:
    groups = bh1996["GRP"].astype(np.int64)
    batch = stats.batch_group_stats(bh1996["WBEING"][:, None], groups, scale=None)
    from_groups = stats.icc_from_groups(batch.n, batch.mean, batch.sd)
    direct = stats.icc(bh1996["WBEING"], groups)
    assert from_groups.icc1 == pytest.approx(direct.icc1, abs=1e-10)
    assert from_groups.icc2 == pytest.approx(direct.icc2, abs=1e-10)


def test_icc_is_undefined_with_a_single_team() -> None:
    result = stats.icc([1.0, 2.0, 3.0], ["a", "a", "a"])
    assert result.icc1 is None and result.icc2 is None
    assert result.explain()[0].message_id == "icc_undefined"


# ---------------------------------------------------------------------------
# Cronbach's alpha against pingouin's documented examples (which state the R
# psych equivalents)


def test_alpha_pairwise_matches_pingouin_docstring() -> None:
    # pingouin.cronbach_alpha docstring (pingouin/reliability.py, v0.5+):
    #   >>> data = pg.read_dataset("cronbach_wide_missing")
    #   >>> # In R: psych:alpha(data, use="pairwise")
    #   >>> pg.cronbach_alpha(data=data)
    #   (0.732660835214447, array([0.435, 0.909]))
    # https://pingouin-stats.org/build/html/generated/pingouin.cronbach_alpha.html
    _, data = read_csv("cronbach_wide_missing.csv")
    result = stats.cronbach_alpha(data)
    assert result.alpha == pytest.approx(0.732660835214447, abs=1e-12)
    assert result.n == 12 and result.k == 11
    assert round(result.ci_low, 3) == 0.435
    assert round(result.ci_high, 3) == 0.909


def test_alpha_listwise_matches_pingouin_docstring() -> None:
    # Same docstring:
    #   >>> # In R: psych:alpha(data, use="complete.obs")
    #   >>> pg.cronbach_alpha(data=data, nan_policy="listwise")
    #   (0.8016949152542373, array([0.581, 0.933]))
    _, data = read_csv("cronbach_wide_missing.csv")
    result = stats.cronbach_alpha(data, missing="listwise")
    assert result.alpha == pytest.approx(0.8016949152542373, abs=1e-12)
    # pingouin (like psych) keeps n = 12 rows for the Feldt interval after
    # dropping the 3 incomplete ones; Marblejar uses the 9 respondents the
    # alpha rests on. The formula itself is the same:
    assert result.n == 9
    twelve = stats.feldt_ci(result.alpha, n=12, k=11)
    assert twelve is not None
    assert [round(v, 3) for v in twelve] == [0.581, 0.933]


def test_alpha_of_likert_example_matches_pingouin_docstring() -> None:
    # Same docstring, long-format Likert example:
    #   >>> data = pg.read_dataset("cronbach_alpha")
    #   >>> pg.cronbach_alpha(data=data, items="Items", scores="Scores", subject="Subj")
    #   (0.5917188485995826, array([0.195, 0.84 ]))
    _, data = read_csv("cronbach_alpha_wide.csv")
    result = stats.cronbach_alpha(data)
    assert result.alpha == pytest.approx(0.5917188485995826, abs=1e-12)
    assert [round(result.ci_low, 3), round(result.ci_high, 3)] == [0.195, 0.84]


def test_feldt_interval_uses_psych_alpha_ci_form() -> None:
    # psych::alpha.ci: CI.low = 1 - (1 - alpha) * qf(1 - p/2, n - 1, (n - 1)(k - 1)),
    # CI.high = 1 - (1 - alpha) * qf(p/2, ...).
    low, high = stats.feldt_ci(0.79, n=41, k=26)
    assert low == pytest.approx(1 - 0.21 * sps.f.ppf(0.975, 40, 1000), abs=1e-12)
    assert high == pytest.approx(1 - 0.21 * sps.f.ppf(0.025, 40, 1000), abs=1e-12)
    assert low < 0.79 < high


def test_alpha_is_undefined_for_one_item_or_one_person() -> None:
    assert stats.cronbach_alpha([[1.0], [2.0], [3.0]]).alpha is None
    assert stats.cronbach_alpha([[1.0, 2.0, 3.0]]).alpha is None
    assert stats.cronbach_alpha([[4.0, 4.0], [4.0, 4.0]]).alpha is None


# ---------------------------------------------------------------------------
# rwg(j)


def test_rwg_j_follows_james_demaree_wolf() -> None:
    # A 5-point scale: uniform null variance (25 - 1) / 12 = 2.
    assert stats.null_variance(5) == 2.0
    # One item with observed variance 1: rwg = 1 - 1/2 = 0.5.
    one_item = np.array([[2.0], [3.0], [4.0]])  # variance 1
    assert stats.rwg_j(one_item, points=5) == pytest.approx(0.5)
    # Three items, each with variance 1: J(1 - .5) / (J(1 - .5) + .5) = 0.75.
    three = np.column_stack([one_item[:, 0]] * 3)
    assert stats.rwg_j(three, points=5) == pytest.approx(0.75)


def test_rwg_j_is_one_for_full_agreement_and_zero_beyond_random() -> None:
    same = np.full((6, 7), 5.0)
    assert stats.rwg_j(same, points=7) == 1.0
    split = np.array([[1.0] * 7, [7.0] * 7] * 3)  # variance 10.8 > 4 = null
    assert stats.rwg_j(split, points=7) == 0.0
    assert stats.rwg_j([[3.0, 4.0]], points=7) is None


# ---------------------------------------------------------------------------
# Scoring, means, trend


def test_score_items_recodes_reverse_keyed_items() -> None:
    responses = np.array([[1.0, 7.0, np.nan], [2.0, 5.0, 4.0]])
    keyed = stats.score_items(responses, scale=(1, 7), reverse=[1])
    np.testing.assert_array_equal(keyed, [[1.0, 1.0, np.nan], [2.0, 3.0, 4.0]])
    keyed_mask = stats.score_items(responses, scale=(1, 7), reverse=[False, True, False])
    np.testing.assert_array_equal(keyed, keyed_mask)
    np.testing.assert_allclose(stats.respondent_scores(keyed), [1.0, 3.0])


def test_score_items_refuses_answers_outside_the_scale() -> None:
    with pytest.raises(ValueError, match="outside the scale"):
        stats.score_items([[8.0]], scale=(1, 7))


def test_mean_ci_matches_scipy_t_interval() -> None:
    scores = np.array([3.0, 4.5, 5.0, 6.0, 2.5, np.nan])
    result = stats.mean_ci(scores)
    values = scores[~np.isnan(scores)]
    low, high = sps.t.interval(0.95, values.size - 1, loc=values.mean(), scale=sps.sem(values))
    assert result.n == 5
    assert result.ci_low == pytest.approx(low, abs=1e-12)
    assert result.ci_high == pytest.approx(high, abs=1e-12)
    assert stats.mean_ci([4.0]).sd is None


def test_trend_matches_scipy_welch_interval() -> None:
    before = np.array([3.0, 4.0, 4.5, 5.0, 3.5, 4.0])
    after = np.array([5.0, 5.5, 6.0, 6.5, 5.0, 6.0, 5.5])
    result = stats.trend(stats.mean_ci(before), stats.mean_ci(after))
    ci = sps.ttest_ind(after, before, equal_var=False).confidence_interval(0.95)
    assert result.difference == pytest.approx(after.mean() - before.mean())
    assert result.ci_low == pytest.approx(ci.low, abs=1e-10)
    assert result.ci_high == pytest.approx(ci.high, abs=1e-10)
    assert result.exceeds_uncertainty
    assert "rose" in result.explain().text


def test_trend_within_noise_says_no_clear_change() -> None:
    result = stats.trend(stats.mean_ci([3.0, 5.0, 4.0]), stats.mean_ci([3.5, 5.0, 4.0]))
    assert not result.exceeds_uncertainty
    assert "no clear change" in result.explain().text


def test_group_summary_of_a_known_group() -> None:
    keyed = np.array([[7.0, 7.0], [4.0, 4.0], [1.0, 1.0], [4.0, np.nan]])
    summary = stats.group_summary(keyed, scale=(1, 7))
    assert summary.n == 4
    assert summary.mean == pytest.approx(4.0)
    assert summary.percent == pytest.approx(50.0)
    assert summary.distribution == (1, 0, 0, 2, 0, 0, 1)
    assert summary.item_means == pytest.approx((4.0, 4.0))
    listwise = stats.group_summary(keyed, scale=(1, 7), missing="listwise")
    assert listwise.n == 3


def test_distribution_rounds_half_up() -> None:
    assert stats.distribution([1.5, 2.49, 6.5, 7.0], scale=(1, 7)) == [0, 2, 0, 0, 0, 0, 2]


# ---------------------------------------------------------------------------
# Explanations and the minimum group size


def test_every_number_explains_itself_with_its_n() -> None:
    keyed = np.array([[5.0, 6.0, 4.0], [3.0, 4.0, 4.0], [6.0, 6.0, 5.0]] * 4)
    summary = stats.group_summary(keyed, scale=(1, 7))
    said = summary.explain()
    sentences = [e.text for e in said]
    assert sentences[0] == "12 people answered."
    # n, mean, percent, sd, ci, alpha, alpha ci, rwg and what it means
    assert [e.message_id for e in said][5:] == ["alpha", "alpha_ci", "rwg_j", "agreement_strong"]
    assert sentences[1].startswith("On a scale from 1 to 7,")
    assert all(s.endswith(".") for s in sentences)
    assert any("12 people" in s and "probably between" in s for s in sentences)


def test_a_team_page_shows_alpha_only_from_ten_people() -> None:
    rng = np.random.default_rng(4)
    for n in (5, 9, 10, 30):
        keyed = np.clip(np.rint(rng.normal(4, 1.2, size=(n, 7))), 1, 7)
        summary = stats.group_summary(keyed, scale=(1, 7))
        assert summary.alpha is not None  # computed and stored whatever the size
        ids = [e.message_id for e in summary.explain()]
        if n < stats.ALPHA_MIN_RESPONDENTS:
            assert "alpha" not in ids and "alpha_ci" not in ids
            [too_few] = [e for e in summary.explain() if e.message_id == "alpha_too_few"]
            assert too_few.text.startswith(f"With {n} people, Cronbach's alpha")
            assert "shown from 10 people on" in too_few.text
        else:
            assert "alpha" in ids and "alpha_ci" in ids and "alpha_too_few" not in ids
        # An analyst's own data (marblejar analyze) still gets every number.
        assert "alpha" in [e.message_id for e in summary.explain_all()]


def test_the_four_person_example_of_the_audit_says_the_group_is_too_small() -> None:
    # A team of four with an alpha of -0.97 was shown "probably between -6.80
    # and 0.86": the interval the Feldt formula gives, and meaningless.
    low, high = stats.feldt_ci(-0.97, n=4, k=7)
    assert round(low, 2) == -6.79 and round(high, 2) == 0.86
    alpha = stats.AlphaResult(4, 7, -0.97, low, high)
    [only] = alpha.explain_for_team()
    assert only.message_id == "alpha_too_few"


@pytest.mark.parametrize(
    ("rwg", "band"),
    [
        (1.0, "agreement_very_strong"),
        (0.906, "agreement_very_strong"),
        (0.904, "agreement_strong"),
        (0.71, "agreement_strong"),
        (0.70, "agreement_moderate"),
        (0.51, "agreement_moderate"),
        (0.5, "agreement_weak"),
        (0.31, "agreement_weak"),
        (0.3, "agreement_none"),
        (0.0, "agreement_none"),
    ],
)
def test_agreement_is_said_in_words_after_lebreton_and_senter(rwg: float, band: str) -> None:
    number, words = stats.agreement_in_words(rwg, n=6)
    assert number.message_id == "rwg_j" and f"{rwg:.2f}" in number.text
    assert words.message_id == band


def test_agreement_of_one_person_is_not_shown() -> None:
    assert [e.message_id for e in stats.agreement_in_words(None, n=1)] == ["rwg_j_undefined"]


def test_the_change_in_words_says_whether_it_exceeds_its_uncertainty() -> None:
    before = stats.mean_ci([3.0, 4.0, 4.5, 5.0, 3.5, 4.0])
    after = stats.mean_ci([5.0, 5.5, 6.0, 6.5, 5.0, 6.0])
    rise = stats.trend(before, after)
    assert rise.direction == "up"
    assert rise.in_words(since="1 Mar 2026").text == (
        "Up 1.7 since 1 Mar 2026: larger than its uncertainty, so most likely a real rise."
    )
    fall = stats.trend(after, before)
    assert fall.direction == "down" and fall.in_words(since="x").text.startswith("Down 1.7")
    noise = stats.trend(stats.mean_ci([3.0, 5.0, 4.0]), stats.mean_ci([3.5, 5.0, 4.0]))
    assert noise.direction == "flat"
    assert noise.in_words(since="1 Mar 2026").text == (
        "+0.2 since 1 Mar 2026: within its uncertainty, so no clear change."
    )
    undefined = stats.trend(stats.mean_ci([3.0]), after)
    assert undefined.in_words(since="1 Mar").message_id == "change_undefined"


def test_quantiles_are_scipy_stats_own_to_the_last_bit() -> None:
    # The core takes its quantiles from scipy.special (cheap to import);
    # scipy.stats' t.ppf and f.ppf evaluate the very same functions.
    df = np.array([1.0, 2.0, 4.0, 9.0, 29.5, 300.0])
    for p in (0.025, 0.975):
        np.testing.assert_array_equal(stats.common.t_quantile(p, df), sps.t.ppf(p, df))
        np.testing.assert_array_equal(
            stats.common.f_quantile(p, df, df * 6), sps.f.ppf(p, df, df * 6)
        )


def test_pooled_mean_equals_the_mean_of_everyone_together() -> None:
    rng = np.random.default_rng(11)
    groups = [rng.normal(4, 1, size=n) for n in (5, 8, 12)]
    pooled = stats.pooled_mean([(g.size, g.mean(), g.std(ddof=1)) for g in groups])
    direct = stats.mean_ci(np.concatenate(groups))
    for name in ("n", "mean", "sd", "ci_low", "ci_high"):
        assert getattr(pooled, name) == pytest.approx(getattr(direct, name), abs=1e-12)


def test_small_groups_are_suppressed() -> None:
    keyed = np.array([[5.0, 6.0], [3.0, 4.0]])
    summary = stats.group_summary(keyed, scale=(1, 7))
    assert not summary.shown()
    [only] = summary.explain()
    assert only.message_id == "suppressed"
    assert "Fewer than 5 people" in only.text
    with pytest.raises(ValueError):
        stats.may_show(10, min_group_size=2)
    assert stats.may_show(3, min_group_size=3)


def test_every_message_can_be_formatted() -> None:
    params = {
        "n": 2,
        "min": 1,
        "max": 7,
        "mean": 4.0,
        "percent": 50.0,
        "sd": 1.0,
        "low": 0.1,
        "high": 0.9,
        "alpha": 0.8,
        "k": 7,
        "rwg": 0.7,
        "icc1": 0.1,
        "icc2": 0.7,
        "groups": 3,
        "diff": 0.5,
        "abs_diff": 0.5,
        "n_before": 5,
        "n_after": 6,
        "min_group_size": 5,
        "min_n": 10,
        "since": "1 Mar 2026",
        "first": 4.1,
        "first_day": "1 Jun 2026",
        "last": 5.6,
        "last_day": "1 Nov 2026",
        "count": 5,
    }
    for message_id in stats.MESSAGES:
        assert stats.explain(message_id.removesuffix("_one"), **params)
    assert stats.explain("n", n=1) == "1 person answered."


# ---------------------------------------------------------------------------
# The batch function equals the per-group functions


FIELDS = (
    "n",
    "mean",
    "percent",
    "sd",
    "ci_low",
    "ci_high",
    "alpha",
    "alpha_ci_low",
    "alpha_ci_high",
    "rwg_j",
)


def assert_same_summary(a: stats.GroupSummary, b: stats.GroupSummary, tol: float = 1e-9) -> None:
    for name in FIELDS:
        left, right = getattr(a, name), getattr(b, name)
        assert (left is None) == (right is None), (name, left, right)
        if left is not None:
            assert left == pytest.approx(right, abs=tol), name
    assert a.distribution == b.distribution
    for left, right in zip(a.item_means, b.item_means, strict=True):
        assert (left is None) == (right is None)
        if left is not None:
            assert left == pytest.approx(right, abs=tol)


@st.composite
def grouped_answers(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray]:
    rows = draw(st.integers(1, 60))
    items = draw(st.integers(1, 6))
    answers = draw(hnp.arrays(np.float64, (rows, items), elements=st.integers(1, 7).map(float)))
    holes = draw(hnp.arrays(np.bool_, (rows, items), elements=st.booleans() | st.just(False)))
    if draw(st.booleans()):
        answers[holes] = np.nan
    groups = draw(hnp.arrays(np.int64, rows, elements=st.integers(0, 8)))
    return answers, groups


@settings(max_examples=150, deadline=None)
@given(grouped_answers(), st.sampled_from(["pairwise", "listwise"]))
def test_batch_equals_per_group(data: tuple[np.ndarray, np.ndarray], missing: str) -> None:
    answers, groups = data
    batch = stats.batch_group_stats(answers, groups, scale=(1, 7), missing=missing)
    for index, group in enumerate(batch.group):
        single = stats.group_summary(answers[groups == group], scale=(1, 7), missing=missing)
        assert_same_summary(single, batch.summary(index, scale=(1, 7)))
    expected_groups = {
        int(g)
        for g in np.unique(groups)
        if stats.group_summary(answers[groups == g], missing=missing).n > 0
    }
    assert set(batch.group.tolist()) == expected_groups


@settings(max_examples=100, deadline=None)
@given(grouped_answers(), st.randoms(use_true_random=False))
def test_batch_is_invariant_to_row_order(data: tuple[np.ndarray, np.ndarray], rnd) -> None:
    answers, groups = data
    order = list(range(len(groups)))
    rnd.shuffle(order)
    first = stats.batch_group_stats(answers, groups)
    second = stats.batch_group_stats(answers[order], groups[order])
    np.testing.assert_array_equal(first.group, second.group)
    for name in FIELDS:
        np.testing.assert_allclose(getattr(first, name), getattr(second, name), atol=1e-9)


@settings(max_examples=150, deadline=None)
@given(grouped_answers())
def test_alpha_is_at_most_one_and_rwg_within_zero_and_one(
    data: tuple[np.ndarray, np.ndarray],
) -> None:
    answers, groups = data
    batch = stats.batch_group_stats(answers, groups, scale=(1, 7))
    alpha = batch.alpha[np.isfinite(batch.alpha)]
    rwg = batch.rwg_j[np.isfinite(batch.rwg_j)]
    assert (alpha <= 1 + 1e-12).all()
    assert ((rwg >= -1e-12) & (rwg <= 1 + 1e-12)).all()
    assert (batch.alpha_ci_low[np.isfinite(batch.alpha)] <= alpha + 1e-12).all()


def test_batch_rejects_bad_group_indices() -> None:
    with pytest.raises(ValueError):
        stats.batch_group_stats([[1.0], [2.0]], [0, -1])
    with pytest.raises(ValueError):
        stats.batch_group_stats([[1.0], [2.0]], [0])
    assert math.isnan(stats.batch_group_stats([[1.0], [2.0]], [0, 0]).alpha[0])


def test_a_groups_figures_do_not_depend_on_the_other_groups_in_its_batch() -> None:
    # A pulse is computed alone when it closes and again with its whole
    # organization: both must agree to the last bit, or a recompute that
    # changes nothing would rewrite every stored result.
    rng = np.random.default_rng(12)
    answers = np.clip(np.rint(rng.normal(4.6, 1.3, size=(4000, 7))), 1, 7)
    groups = rng.integers(0, 300, size=4000)
    together = stats.batch_group_stats(answers, groups)
    for group in (0, 17, 299):
        alone = stats.batch_group_stats(
            answers[groups == group], np.zeros((groups == group).sum(), int)
        )
        index = int(np.flatnonzero(together.group == group)[0])
        for name in FIELDS:
            np.testing.assert_array_equal(getattr(alone, name)[0], getattr(together, name)[index])
        np.testing.assert_array_equal(alone.item_means[0], together.item_means[index])
