"""Agreement within a team (rwg(j)) and differences between teams (ICC(1), ICC(2))."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from marblejar.pulse.stats.common import (
    FloatArray,
    Missing,
    as_matrix,
    check_missing,
    none_if_nan,
    respondent_rows,
)
from marblejar.pulse.stats.messages import Explanation

#: Lower bounds of the agreement bands of LeBreton & Senter (2008, table 3):
#: .00-.30 lack of agreement, .31-.50 weak, .51-.70 moderate, .71-.90 strong,
#: .91-1.00 very strong.
AGREEMENT_BANDS: tuple[tuple[float, str], ...] = (
    (0.91, "agreement_very_strong"),
    (0.71, "agreement_strong"),
    (0.51, "agreement_moderate"),
    (0.31, "agreement_weak"),
)


def null_variance(points: int) -> float:
    """Variance of answers drawn uniformly from ``points`` options: ``(A**2 - 1) / 12``.

    This is the "no agreement at all" baseline of rwg (James, Demaree & Wolf 1984).
    """
    if points < 2:
        raise ValueError(f"a scale needs at least two points, got {points}")
    return (points**2 - 1) / 12.0


def rwg_j(keyed: npt.ArrayLike, *, points: int, missing: Missing = "pairwise") -> float | None:
    """Within-group agreement rwg(j) of James, Demaree & Wolf (1984).

    ``J(1 - s2/e) / (J(1 - s2/e) + s2/e)`` with ``s2`` the mean of the items'
    variances (ddof=1, each over the answers it has, as R multilevel
    ``rwg.j``) and ``e = (A**2 - 1) / 12`` the variance of uniformly random
    answers on ``A = points`` options. ``s2`` is capped at ``e``, so the result
    lies in [0, 1]. ``None`` for a group of one, or when no item has two answers.
    """
    rows = respondent_rows(as_matrix(keyed), check_missing(missing))
    n, j = rows.shape
    if n < 2:
        return None
    answered = ~np.isnan(rows)
    variances = [
        float(rows[answered[:, c], c].var(ddof=1)) for c in range(j) if answered[:, c].sum() >= 2
    ]
    if not variances:
        return None
    expected = null_variance(points)
    ratio = min(float(np.mean(variances)) / expected, 1.0)
    return j * (1 - ratio) / (j * (1 - ratio) + ratio)


def agreement_in_words(rwg: float | None, *, n: int) -> list[Explanation]:
    """rwg(j) with what it means: the number on its scale, then its band in words."""
    if rwg is None:
        return [Explanation("rwg_j_undefined")]
    # The band follows the number as shown, to two decimals.
    shown = round(rwg, 2)
    band = next((m for lower, m in AGREEMENT_BANDS if shown >= lower), "agreement_none")
    return [Explanation("rwg_j", {"rwg": rwg, "n": n}), Explanation(band, {"rwg": rwg})]


# ---------------------------------------------------------------------------
# Across teams: ICC(1), ICC(2)


@dataclass(frozen=True)
class IccResult:
    """ICC(1) and ICC(2) from a one-way ANOVA of respondent scores on team."""

    n: int
    groups: int
    k: float
    msb: float | None
    msw: float | None
    icc1: float | None
    icc2: float | None

    def explain(self) -> list[Explanation]:
        if self.icc1 is None:
            return [Explanation("icc_undefined")]
        out = [
            Explanation(
                "icc1",
                {
                    "icc1": self.icc1,
                    "percent": max(self.icc1, 0.0) * 100,
                    "n": self.n,
                    "groups": self.groups,
                },
            )
        ]
        if self.icc2 is not None:
            out.append(Explanation("icc2", {"icc2": self.icc2, "k": self.k}))
        return out


def icc_from_anova(*, msb: float, msw: float, n: int, groups: int) -> IccResult:
    """ICC(1) = (MSB-MSW)/(MSB+(k-1)MSW), ICC(2) = (MSB-MSW)/MSB with k = n/groups.

    Exactly R multilevel's ``ICC1(aov(...))`` and ``ICC2(aov(...))``
    (Bliese 2000), whose group size is ``(df_within + df_between + 1) /
    (df_between + 1)``, i.e. the mean group size. Either is ``None`` where its
    denominator is zero.
    """
    k = n / groups
    denominator = msb + (k - 1) * msw
    icc1 = (msb - msw) / denominator if denominator > 0 else None
    icc2 = (msb - msw) / msb if msb > 0 else None
    return IccResult(n, groups, k, msb, msw, none_if_nan(icc1), none_if_nan(icc2))


def icc(scores: npt.ArrayLike, groups: npt.ArrayLike) -> IccResult:
    """ICC(1) and ICC(2) of ``scores`` grouped by ``groups`` (any hashable labels).

    Rows with a ``NaN`` score are dropped first, as ``aov`` does. Needs at least
    two groups and more scores than groups, otherwise both are ``None``.
    """
    values = np.asarray(scores, dtype=np.float64).ravel()
    labels = np.asarray(groups).ravel()
    if values.shape != labels.shape:
        raise ValueError("scores and groups must have the same length")
    keep = ~np.isnan(values)
    values, labels = values[keep], labels[keep]
    _, index = np.unique(labels, return_inverse=True)
    counts = np.bincount(index)
    sums = np.bincount(index, weights=values)
    means = sums / counts
    # Within-group spread from deviations to each group's own mean (not from
    # sums of squares) so large, nearly equal values do not lose precision.
    ssw = float(((values - means[index]) ** 2).sum())
    return _icc_from_sums(counts, means, ssw)


def icc_from_groups(n: npt.ArrayLike, mean: npt.ArrayLike, sd: npt.ArrayLike) -> IccResult:
    """ICC(1) and ICC(2) from per-group n, mean and SD (e.g. a batch result).

    Groups with ``n == 0`` are ignored; the SD of a group of one counts as 0.
    Equal to :func:`icc` on the underlying scores.
    """
    counts = np.asarray(n, dtype=np.float64)
    means = np.asarray(mean, dtype=np.float64)
    sds = np.nan_to_num(np.asarray(sd, dtype=np.float64), nan=0.0)
    keep = counts > 0
    counts, means, sds = counts[keep], means[keep], sds[keep]
    ssw = float(((counts - 1) * sds**2).sum())
    return _icc_from_sums(counts, means, ssw)


def _icc_from_sums(counts: npt.ArrayLike, means: FloatArray, ssw: float) -> IccResult:
    counts = np.asarray(counts, dtype=np.float64)
    n_total = int(counts.sum())
    g = int(counts.size)
    if g < 2 or n_total <= g:
        return IccResult(n_total, g, n_total / g if g else 0.0, None, None, None, None)
    grand = float((counts * means).sum() / n_total)
    ssb = float((counts * (means - grand) ** 2).sum())
    msb = ssb / (g - 1)
    msw = ssw / (n_total - g)
    return icc_from_anova(msb=msb, msw=msw, n=n_total, groups=g)
