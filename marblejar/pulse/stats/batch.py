"""Statistics of many groups at once, in a fixed number of passes over all answers."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from marblejar.pulse.stats.agreement import null_variance
from marblejar.pulse.stats.common import (
    ALPHA_ROUNDING,
    FloatArray,
    IntArray,
    Missing,
    as_matrix,
    check_missing,
    check_scale,
    f_quantile,
    none_if_nan,
    scale_points,
    t_quantile,
)
from marblejar.pulse.stats.summary import GroupSummary


@dataclass(frozen=True)
class BatchStats:
    """Per-group statistics for many groups, one array entry per group.

    ``group`` holds the group ids that have at least one respondent, sorted;
    every other array is aligned with it. Undefined values are ``NaN``.
    """

    group: IntArray
    n: IntArray
    mean: FloatArray
    percent: FloatArray
    sd: FloatArray
    ci_low: FloatArray
    ci_high: FloatArray
    alpha: FloatArray
    alpha_ci_low: FloatArray
    alpha_ci_high: FloatArray
    rwg_j: FloatArray
    item_means: FloatArray  # groups x items
    distribution: IntArray | None  # groups x scale points

    def __len__(self) -> int:
        return int(self.group.size)

    def summary(self, index: int, *, scale: tuple[float, float] | None) -> GroupSummary:
        """The :class:`GroupSummary` of the ``index``-th group (for display and tests)."""
        f = none_if_nan
        return GroupSummary(
            n=int(self.n[index]),
            k=int(self.item_means.shape[1]),
            scale=check_scale(scale) if scale is not None else None,
            mean=f(self.mean[index]),
            percent=f(self.percent[index]),
            sd=f(self.sd[index]),
            ci_low=f(self.ci_low[index]),
            ci_high=f(self.ci_high[index]),
            alpha=f(self.alpha[index]),
            alpha_ci_low=f(self.alpha_ci_low[index]),
            alpha_ci_high=f(self.alpha_ci_high[index]),
            rwg_j=f(self.rwg_j[index]),
            item_means=tuple(f(v) for v in self.item_means[index]),
            distribution=(
                tuple(int(v) for v in self.distribution[index])
                if self.distribution is not None
                else None
            ),
        )


class _ByDistinct:
    """Evaluate quantiles once per distinct degrees of freedom.

    Thousands of groups share a few dozen sizes, and the quantile functions
    are by far the slowest calls here, so they run on the distinct values
    only; the distinct values are found once for all the quantiles that
    share them.
    """

    def __init__(self, values: FloatArray) -> None:
        self.distinct, self.inverse = np.unique(values, return_inverse=True)

    def __call__(self, fn: Callable[[FloatArray], npt.ArrayLike]) -> FloatArray:
        return np.asarray(fn(self.distinct), dtype=np.float64)[self.inverse]


class _GroupSums:
    """Per-group column sums as one sparse product: (groups x rows one-hot) @ (rows x m).

    Building the one-hot matrix costs nothing (one non-zero per row, already in
    CSC order), and each product is a single pass over the data however many
    columns it has, which is several times faster than one ``np.bincount`` per
    column and needs no sorting.
    """

    def __init__(self, index: npt.NDArray[np.intp], groups: int) -> None:
        # scipy.sparse is imported here, where it is used: importing the web
        # app (which only reads stored results) should not pay for it.
        from scipy import sparse

        rows = index.size
        self.onehot: sparse.csc_array = sparse.csc_array(
            (np.ones(rows), index, np.arange(rows + 1)), shape=(groups, rows)
        )

    def __call__(self, columns: npt.ArrayLike) -> FloatArray:
        values = np.asarray(columns, dtype=np.float64)
        return np.asarray(self.onehot @ values, dtype=np.float64)


def batch_group_stats(
    keyed: npt.ArrayLike,
    groups: npt.ArrayLike,
    *,
    scale: tuple[float, float] | None = (1, 7),
    missing: Missing = "pairwise",
    confidence: float = 0.95,
) -> BatchStats:
    """Statistics of many groups at once, equal to :func:`group_summary` per group.

    ``keyed`` is responses x items (keyed, ``NaN`` = missing); ``groups`` gives
    each response's group as a non-negative integer (e.g. ``team * pulses +
    pulse``). The work is a fixed number of passes over all responses (group
    sums as sparse one-hot products, see :class:`_GroupSums`), with no Python
    loop over groups: groups whose responses are all
    complete get alpha from the variance of the item sums (one pass); only the
    responses of groups with a missing answer go through the pairwise
    covariance passes. Values are centred on the overall item means first, so
    sums of squares do not lose precision.
    """
    matrix = as_matrix(keyed)
    group_index = np.asarray(groups)
    if group_index.ndim != 1 or group_index.size != matrix.shape[0]:
        raise ValueError("groups needs one entry per response")
    if group_index.size and (
        not np.issubdtype(group_index.dtype, np.integer) or group_index.min() < 0
    ):
        raise ValueError("groups must be non-negative integers")
    group_index = group_index.astype(np.intp, copy=False)
    missing = check_missing(missing)
    k = matrix.shape[1]

    # Row-wise reductions of a responses x 7 array are slow in NumPy, so rows
    # are summed with a matrix-vector product and the missing-answer
    # bookkeeping is skipped entirely when nothing is missing.
    ones = np.ones(k)
    missing_cells = np.isnan(matrix)
    complete_data = not bool(missing_cells.any())
    if complete_data:
        answered = None
        per_row: FloatArray | float = float(k)
    else:
        answered = ~missing_cells
        per_row = answered.astype(np.float64) @ ones
        keep = per_row == k if missing == "listwise" else per_row > 0
        if not keep.all():
            matrix, answered, per_row, group_index = (
                matrix[keep],
                answered[keep],
                per_row[keep],
                group_index[keep],
            )
        complete_data = bool(answered.all())
    del missing_cells

    # Number the groups that have a respondent 0..G-1, so every array below
    # has one entry per reported group.
    size = int(group_index.max()) + 1 if group_index.size else 0
    n_all = np.bincount(group_index, minlength=size)
    present = n_all > 0
    dense = np.cumsum(present) - 1
    index = dense[group_index]
    n = n_all[present].astype(np.float64)
    sums = _GroupSums(index, int(n.size))

    # Centre near the data: variances are unchanged, and sums of squares do
    # not lose precision on values far from zero. On a known scale, its
    # midpoint: then a group's figures do not depend on which other groups
    # are in the batch (a pulse computed alone at its close and again with
    # its whole organization agree to the last bit). Otherwise the means of
    # the first rows.
    if scale is not None:
        centre = np.full(k, sum(check_scale(scale)) / 2)
    else:
        head = matrix[:1024]
        with np.errstate(invalid="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # an all-missing column in the head
            centre = np.nan_to_num(np.nanmean(head, axis=0)) if head.size else np.zeros(k)
    if complete_data or answered is None:
        filled = matrix - centre
        raw_sum = matrix @ ones
        row_sum = raw_sum - centre.sum()
    else:
        raw_sum = np.where(answered, matrix, 0.0) @ ones
        filled = np.where(answered, matrix - centre, 0.0)
        incomplete_row = per_row < k
        row_sum = np.where(incomplete_row, 0.0, filled @ ones)
    # respondent_scores() uses the same arithmetic, so the rounding used for
    # the distribution agrees to the last bit with the per-group function.
    raw_score = raw_sum / per_row

    # One pass for the per-row columns, one for the items and one for their squares.
    score_shift = float(centre.mean())
    score_c = raw_score - score_shift
    s1, s2, t1, t2 = sums(np.column_stack([score_c, score_c**2, row_sum, row_sum**2])).T
    item_sum = sums(filled)
    item_ss = sums(filled * filled)
    item_n = (
        np.repeat(n[:, None], k, axis=1)
        if answered is None or complete_data
        else sums(answered.astype(np.float64))
    )

    # Respondent scores: mean, SD and CI.
    mean_c = s1 / n
    mean = mean_c + score_shift
    with np.errstate(invalid="ignore", divide="ignore"):
        var = np.where(n > 1, (s2 - n * mean_c**2) / (n - 1), np.nan)
        sd = np.sqrt(np.maximum(var, 0.0))
        by_df = _ByDistinct(np.maximum(n - 1, 1))
        tq = by_df(lambda d: t_quantile((1 + confidence) / 2, d))
        half = np.where(n > 1, tq * sd / np.sqrt(n), np.nan)
    ci_low, ci_high = mean - half, mean + half

    # Per-item means and variances.
    with np.errstate(invalid="ignore", divide="ignore"):
        item_mean_c = item_sum / item_n
        item_means = item_mean_c + centre
        item_var = np.where(item_n > 1, (item_ss - item_n * item_mean_c**2) / (item_n - 1), np.nan)
        item_var = np.maximum(item_var, 0.0, where=~np.isnan(item_var), out=item_var)

    # Sum of the covariance matrix. For groups whose responses are complete it
    # is the variance of the item sums; other groups need pairwise covariances.
    with np.errstate(invalid="ignore", divide="ignore"):
        total_var = np.where(n > 1, (t2 - t1**2 / n) / (n - 1), np.nan)
    if answered is not None and not complete_data:
        group_incomplete = np.bincount(index, weights=incomplete_row, minlength=n.size) > 0
        rows = group_incomplete[index]
        sub_sums = _GroupSums(index[rows], int(n.size))
        sub_x = filled[rows]
        sub_a = answered[rows]
        cov_sum = np.where(np.isnan(item_var).any(axis=1), np.nan, np.nansum(item_var, axis=1))
        for i in range(k):
            for j in range(i + 1, k):
                both = sub_a[:, i] & sub_a[:, j]
                xi = np.where(both, sub_x[:, i], 0.0)
                xj = np.where(both, sub_x[:, j], 0.0)
                m, si, sj, sij = sub_sums(np.column_stack([both, xi, xj, xi * xj])).T
                with np.errstate(invalid="ignore", divide="ignore"):
                    cov = np.where(m > 1, (sij - si * sj / m) / (m - 1), np.nan)
                cov_sum = cov_sum + 2 * cov
        total_var = np.where(group_incomplete, cov_sum, total_var)

    with np.errstate(invalid="ignore", divide="ignore"):
        if k >= 2:
            alpha = k / (k - 1) * (1 - item_var.sum(axis=1) / total_var)
            trace = item_var.sum(axis=1)
            # A total variance that is zero up to rounding gives no alpha.
            valid = (n > 1) & (total_var > ALPHA_ROUNDING * trace) & (trace > 0)
            valid &= alpha <= 1 + ALPHA_ROUNDING
            alpha = np.where(valid, np.minimum(alpha, 1.0), np.nan)
        else:
            alpha = np.full(n.size, np.nan)
        gamma = 1 - confidence
        ok = np.isfinite(alpha)
        ratio_df = max(k - 1, 1)
        f_hi = by_df(lambda d: f_quantile(1 - gamma / 2, d, d * ratio_df))
        f_lo = by_df(lambda d: f_quantile(gamma / 2, d, d * ratio_df))
        alpha_ci_low = np.where(ok, 1 - (1 - alpha) * f_hi, np.nan)
        alpha_ci_high = np.where(ok, 1 - (1 - alpha) * f_lo, np.nan)

    rwg = np.full(n.size, np.nan)
    percent = np.full(n.size, np.nan)
    dist: IntArray | None = None
    if scale is not None:
        low, high = check_scale(scale)
        points = scale_points(scale)
        percent = (mean - low) / (high - low) * 100.0
        expected = null_variance(points)
        with np.errstate(invalid="ignore"):
            defined = ~np.isnan(item_var)
            n_defined = defined.sum(axis=1)
            mean_var = np.where(defined, item_var, 0.0).sum(axis=1) / np.maximum(n_defined, 1)
            ratio = np.minimum(mean_var / expected, 1.0)
            rwg = k * (1 - ratio) / (k * (1 - ratio) + ratio)
            rwg = np.where((n > 1) & (n_defined > 0), rwg, np.nan)
        point = np.clip(np.floor(raw_score - low + 0.5).astype(np.intp), 0, points - 1)
        # Bin (group, point) pairs in one pass.
        dist = (
            np.bincount(index * points + point, minlength=n.size * points)
            .reshape(n.size, points)
            .astype(np.int64)
        )

    return BatchStats(
        group=np.flatnonzero(present).astype(np.int64),
        n=n.astype(np.int64),
        mean=mean,
        percent=percent,
        sd=sd,
        ci_low=ci_low,
        ci_high=ci_high,
        alpha=alpha,
        alpha_ci_low=alpha_ci_low,
        alpha_ci_high=alpha_ci_high,
        rwg_j=rwg,
        item_means=item_means,
        distribution=dist,
    )
