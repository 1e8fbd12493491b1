"""The statistics core against pingouin (Vallat 2018), in every run of the suite.

pingouin is in the ``test`` extra: these tests are never skipped, and a
statistic that drifts from pingouin's by more than rounding fails here.
pingouin states that its ``cronbach_alpha`` equals R psych's ``alpha()``.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pingouin as pg
import pytest

from marblejar.pulse import stats

DATA = Path(__file__).parent / "data"


@pytest.fixture(autouse=True)
def _quiet_pingouin():
    # pingouin divides by zero on groups whose answers are all equal, and
    # pandas warns about pingouin's own calls; neither is ours to fix.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def random_answers(rng: np.random.Generator, rows: int, items: int, skip: float) -> np.ndarray:
    data = rng.integers(1, 8, size=(rows, items)).astype(float)
    data[rng.random(data.shape) < skip] = np.nan
    return data[~np.isnan(data).all(axis=1)]


def test_cronbach_alpha_and_its_interval_equal_pingouins() -> None:
    rng = np.random.default_rng(7)
    compared = 0
    for _ in range(40):
        data = random_answers(rng, int(rng.integers(3, 40)), int(rng.integers(2, 9)), 0.1)
        expected, interval = pg.cronbach_alpha(data=pd.DataFrame(data))
        result = stats.cronbach_alpha(data)
        if result.alpha is None:
            # pingouin prints values that are no reliability: above 1, or
            # from a covariance with fewer than two pairs of answers, or from
            # a total variance of zero or less (a pairwise covariance matrix
            # no complete data could give). Marblejar shows none.
            total = stats.pairwise_covariance(data)[0].sum()
            assert expected > 1 or not np.isfinite(total) or total <= 1e-9
            continue
        assert result.alpha == pytest.approx(float(expected), abs=1e-9)
        # pingouin rounds its Feldt interval to three decimals.
        assert result.ci_low == pytest.approx(interval[0], abs=0.0005 + 1e-9)
        assert result.ci_high == pytest.approx(interval[1], abs=0.0005 + 1e-9)
        compared += 1
    assert compared >= 30


def test_cronbach_alpha_listwise_equals_pingouins() -> None:
    rng = np.random.default_rng(8)
    for _ in range(20):
        data = random_answers(rng, int(rng.integers(6, 40)), int(rng.integers(2, 9)), 0.05)
        expected, _ = pg.cronbach_alpha(data=pd.DataFrame(data), nan_policy="listwise")
        result = stats.cronbach_alpha(data, missing="listwise")
        if result.alpha is not None:
            assert result.alpha == pytest.approx(float(expected), abs=1e-9)


def test_the_mean_and_its_interval_equal_pingouins_one_sample_t_test() -> None:
    rng = np.random.default_rng(9)
    for _ in range(20):
        scores = rng.normal(4.5, 1.1, size=int(rng.integers(3, 40)))
        result = stats.mean_ci(scores)
        table = pg.ttest(scores, 0).iloc[0]
        assert result.mean / (result.sd / np.sqrt(result.n)) == pytest.approx(table["T"], abs=1e-9)
        assert table["dof"] == result.n - 1
        # pingouin rounds the interval to two decimals.
        assert result.ci_low == pytest.approx(table["CI95"][0], abs=0.005 + 1e-9)
        assert result.ci_high == pytest.approx(table["CI95"][1], abs=0.005 + 1e-9)


def test_the_trend_is_pingouins_welch_t_test() -> None:
    rng = np.random.default_rng(10)
    for _ in range(20):
        before = rng.normal(4.4, 1.0, size=int(rng.integers(3, 20)))
        after = rng.normal(4.8, 1.0, size=int(rng.integers(3, 20)))
        result = stats.trend(stats.mean_ci(before), stats.mean_ci(after))
        table = pg.ttest(after, before, correction=True).iloc[0]
        assert result.df == pytest.approx(table["dof"], rel=1e-9)
        se = (result.ci_high - result.ci_low) / 2 / stats.common.t_quantile(0.975, result.df)
        assert result.difference / se == pytest.approx(table["T"], abs=1e-9)
        assert result.ci_low == pytest.approx(table["CI95"][0], abs=0.005 + 1e-9)
        assert result.ci_high == pytest.approx(table["CI95"][1], abs=0.005 + 1e-9)
        assert result.exceeds_uncertainty == (table["p_val"] < 0.05)


def test_icc_from_pingouins_anova(bh1996_wellbeing: pd.DataFrame) -> None:
    table = pg.anova(data=bh1996_wellbeing, dv="WBEING", between="GRP", detailed=True)
    msb, msw = float(table.loc[0, "MS"]), float(table.loc[1, "MS"])
    expected = stats.icc_from_anova(msb=msb, msw=msw, n=7382, groups=99)
    result = stats.icc(bh1996_wellbeing["WBEING"], bh1996_wellbeing["GRP"])
    assert result.icc1 == pytest.approx(expected.icc1, abs=1e-9)
    assert result.icc2 == pytest.approx(expected.icc2, abs=1e-9)


def test_every_group_of_a_batch_equals_pingouin() -> None:
    rng = np.random.default_rng(3)
    answers = rng.integers(1, 8, size=(3000, 7)).astype(float)
    answers[rng.random(answers.shape) < 0.02] = np.nan
    groups = rng.integers(0, 400, size=3000)
    batch = stats.batch_group_stats(answers, groups)
    compared = 0
    for index in range(0, len(batch), 7):
        rows = answers[groups == batch.group[index]]
        expected, interval = pg.cronbach_alpha(data=pd.DataFrame(rows))
        if np.isfinite(expected) and expected <= 1:
            assert batch.alpha[index] == pytest.approx(float(expected), abs=1e-9)
            assert batch.alpha_ci_low[index] == pytest.approx(interval[0], abs=0.0005 + 1e-9)
            compared += 1
        scores = np.nanmean(rows, axis=1)
        assert batch.mean[index] == pytest.approx(scores.mean(), abs=1e-12)
    assert compared >= 40


@pytest.fixture(scope="module")
def bh1996_wellbeing() -> pd.DataFrame:
    frame = pd.read_csv(DATA / "bh1996.csv")
    return frame[["GRP", "WBEING"]]
