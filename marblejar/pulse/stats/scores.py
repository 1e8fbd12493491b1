"""Scores: keying, respondents' scale scores, the mean with its uncertainty, the trend."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from marblejar.pulse.stats.common import (
    FloatArray,
    as_matrix,
    check_scale,
    scale_points,
    t_quantile,
)
from marblejar.pulse.stats.messages import Explanation

if TYPE_CHECKING:
    from marblejar.pulse.stats.summary import GroupSummary


def score_items(
    responses: npt.ArrayLike,
    *,
    scale: tuple[float, float] = (1, 7),
    reverse: Sequence[int] | Sequence[bool] | npt.NDArray[np.bool_] = (),
) -> FloatArray:
    """Return the keyed item matrix: reverse-keyed items recoded as ``min + max - x``.

    ``responses`` is responses x items with ``NaN`` for a missing answer.
    ``reverse`` lists the reverse-keyed columns, either as column indices or as
    one boolean per column. Answers outside ``scale`` raise ``ValueError``,
    because recoding them would produce numbers outside the scale.
    """
    matrix = as_matrix(responses).copy()
    low, high = check_scale(scale)
    answered = ~np.isnan(matrix)
    outside = answered & ((matrix < low) | (matrix > high))
    if outside.any():
        row, column = (int(i) for i in np.argwhere(outside)[0])
        raise ValueError(
            f"answer {matrix[row, column]:g} in row {row}, column {column} is outside "
            f"the scale {low:g}-{high:g}"
        )
    mask = np.zeros(matrix.shape[1], dtype=bool)
    reverse_array = np.asarray(reverse)
    if reverse_array.dtype == bool:
        if reverse_array.size and reverse_array.shape != mask.shape:
            raise ValueError("a boolean reverse mask needs one entry per item")
        mask |= reverse_array if reverse_array.size else mask
    elif reverse_array.size:
        mask[reverse_array.astype(int)] = True
    matrix[:, mask] = low + high - matrix[:, mask]
    return matrix


def respondent_scores(keyed: npt.ArrayLike) -> FloatArray:
    """Each respondent's scale score: the mean of the keyed items they answered.

    A row with no answer gives ``NaN``.
    """
    matrix = as_matrix(keyed)
    answered = ~np.isnan(matrix)
    ones = np.ones(matrix.shape[1])
    counts = answered.astype(np.float64) @ ones
    totals = np.where(answered, matrix, 0.0) @ ones
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, totals / counts, np.nan)


def to_percent(mean: float, *, scale: tuple[float, float]) -> float:
    """Place ``mean`` on 0-100: ``(mean - min) / (max - min) * 100``."""
    low, high = check_scale(scale)
    return (mean - low) / (high - low) * 100.0


def distribution(scores: npt.ArrayLike, *, scale: tuple[float, float]) -> list[int]:
    """Counts of respondents per scale point, each score rounded half up.

    We count respondents (by their rounded scale score), not individual
    answers: a chart then has as many marks as there are people, which is what
    the count under it says. ``NaN`` scores are skipped.
    """
    low, _high = check_scale(scale)
    points = scale_points(scale)
    values = np.asarray(scores, dtype=np.float64).ravel()
    values = values[~np.isnan(values)]
    index = np.clip(np.floor(values - low + 0.5).astype(np.int64), 0, points - 1)
    return [int(c) for c in np.bincount(index, minlength=points)]


@dataclass(frozen=True)
class MeanResult:
    """Mean of respondent scores with its spread and uncertainty."""

    n: int
    mean: float | None
    sd: float | None
    ci_low: float | None
    ci_high: float | None

    def explain(self) -> list[Explanation]:
        out = [Explanation("n", {"n": self.n})]
        if self.mean is not None:
            out.append(Explanation("mean_unscaled", {"n": self.n, "mean": self.mean}))
        out.append(
            Explanation("sd", {"n": self.n, "sd": self.sd})
            if self.sd is not None
            else Explanation("sd_undefined")
        )
        out.append(
            Explanation("ci", {"n": self.n, "low": self.ci_low, "high": self.ci_high})
            if self.ci_low is not None
            else Explanation("ci_undefined")
        )
        return out


def mean_ci(scores: npt.ArrayLike, *, confidence: float = 0.95) -> MeanResult:
    """Mean, SD (ddof=1) and t-distribution confidence interval of ``scores``.

    ``NaN`` scores are ignored. SD and CI need two scores; the mean needs one.
    """
    values = np.asarray(scores, dtype=np.float64).ravel()
    values = values[~np.isnan(values)]
    n = int(values.size)
    if n == 0:
        return MeanResult(0, None, None, None, None)
    mean = float(values.mean())
    if n < 2:
        return MeanResult(1, mean, None, None, None)
    sd = float(values.std(ddof=1))
    half = float(t_quantile((1 + confidence) / 2, n - 1)) * sd / math.sqrt(n)
    return MeanResult(n, mean, sd, mean - half, mean + half)


def pooled_mean(groups: Sequence[tuple[int, float, float | None]]) -> MeanResult:
    """Mean, SD and CI of all respondents of several groups, from each one's n, mean and SD.

    Equal to :func:`mean_ci` on the respondents' scores pooled together; an
    SD of ``None`` (a group of one) counts as 0.
    """
    kept = [(n, m, sd or 0.0) for n, m, sd in groups if n and m is not None]
    n = sum(g for g, _m, _sd in kept)
    if n == 0:
        return MeanResult(0, None, None, None, None)
    mean = sum(g * m for g, m, _sd in kept) / n
    if n < 2:
        return MeanResult(n, mean, None, None, None)
    ss = sum((g - 1) * sd * sd + g * (m - mean) ** 2 for g, m, sd in kept)
    sd = math.sqrt(ss / (n - 1))
    half = float(t_quantile(0.975, n - 1)) * sd / math.sqrt(n)
    return MeanResult(n, mean, sd, mean - half, mean + half)


# ---------------------------------------------------------------------------
# Trend between two pulses


@dataclass(frozen=True)
class TrendResult:
    """Change of a group's mean from one pulse to the next (Welch)."""

    n_before: int
    n_after: int
    difference: float | None
    ci_low: float | None
    ci_high: float | None
    df: float | None
    exceeds_uncertainty: bool

    def _params(self) -> dict[str, object]:
        assert self.difference is not None
        return {
            "diff": self.difference,
            "abs_diff": abs(self.difference),
            "low": self.ci_low,
            "high": self.ci_high,
            "n_before": self.n_before,
            "n_after": self.n_after,
        }

    def explain(self) -> Explanation:
        if self.difference is None:
            return Explanation("trend_undefined")
        params = self._params()
        if not self.exceeds_uncertainty:
            return Explanation("trend_unclear", params)
        return Explanation("trend_up" if self.difference > 0 else "trend_down", params)

    def in_words(self, *, since: str) -> Explanation:
        """The change in a few words for a headline: how much, since when, and whether
        it is larger than its uncertainty. ``since`` names the earlier pulse (a date)."""
        if self.difference is None:
            return Explanation("change_undefined", {"since": since})
        params = self._params() | {"since": since}
        if not self.exceeds_uncertainty:
            return Explanation("change_unclear", params)
        return Explanation("change_up" if self.difference > 0 else "change_down", params)

    @property
    def direction(self) -> str:
        """ "up", "down" or "flat" (within its uncertainty, or undefined)."""
        if self.difference is None or not self.exceeds_uncertainty:
            return "flat"
        return "up" if self.difference > 0 else "down"


def trend(
    before: MeanResult | GroupSummary,
    after: MeanResult | GroupSummary,
    *,
    confidence: float = 0.95,
) -> TrendResult:
    """Difference ``after - before`` of two group means with its Welch CI.

    ``exceeds_uncertainty`` is true when the interval excludes 0, i.e. the
    change is larger than what the two samples' noise alone would explain.
    Needs n >= 2 in each pulse. When both SDs are 0 the interval collapses to
    the difference itself.
    """
    n1, n2 = before.n, after.n
    if n1 < 2 or n2 < 2 or before.mean is None or after.mean is None:
        return TrendResult(n1, n2, None, None, None, None, False)
    v1 = (before.sd or 0.0) ** 2 / n1
    v2 = (after.sd or 0.0) ** 2 / n2
    diff = after.mean - before.mean
    se2 = v1 + v2
    if se2 == 0:
        return TrendResult(n1, n2, diff, diff, diff, math.inf, diff != 0)
    df = se2**2 / (v1**2 / (n1 - 1) + v2**2 / (n2 - 1))
    half = float(t_quantile((1 + confidence) / 2, df)) * math.sqrt(se2)
    low, high = diff - half, diff + half
    return TrendResult(n1, n2, diff, low, high, df, bool(low > 0 or high < 0))
