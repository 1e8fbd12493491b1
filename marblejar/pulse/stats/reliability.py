"""Reliability: Cronbach's alpha with its Feldt confidence interval."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from marblejar.pulse.stats.common import (
    ALPHA_MIN_RESPONDENTS,
    ALPHA_ROUNDING,
    FloatArray,
    IntArray,
    Missing,
    as_matrix,
    check_missing,
    f_quantile,
    respondent_rows,
)
from marblejar.pulse.stats.messages import Explanation


@dataclass(frozen=True)
class AlphaResult:
    """Cronbach's alpha with its Feldt confidence interval."""

    n: int
    k: int
    alpha: float | None
    ci_low: float | None
    ci_high: float | None

    @property
    def meaningful(self) -> bool:
        """Whether the group is large enough for alpha to be read at all
        (:data:`~marblejar.pulse.stats.common.ALPHA_MIN_RESPONDENTS`)."""
        return self.n >= ALPHA_MIN_RESPONDENTS

    def explain(self) -> list[Explanation]:
        """Every sentence, whatever the group size (an analyst's own data)."""
        if self.alpha is None:
            return [Explanation("alpha_undefined")]
        out = [Explanation("alpha", {"alpha": self.alpha, "k": self.k, "n": self.n})]
        if self.ci_low is not None:
            out.append(
                Explanation("alpha_ci", {"n": self.n, "low": self.ci_low, "high": self.ci_high})
            )
        return out

    def explain_for_team(self) -> list[Explanation]:
        """What a team's page says: alpha and its interval only from
        :data:`ALPHA_MIN_RESPONDENTS` people on, one sentence below that."""
        if self.alpha is not None and not self.meaningful:
            return [Explanation("alpha_too_few", {"n": self.n, "min_n": ALPHA_MIN_RESPONDENTS})]
        return self.explain()


def pairwise_covariance(keyed: npt.ArrayLike) -> tuple[FloatArray, IntArray]:
    """Covariance matrix from pairwise-complete answers, as R's ``cov(use="pairwise")``.

    Each entry uses the rows where both items were answered, centred on those
    rows' own means (ddof=1). Returns the matrix and the pair counts; an entry
    with fewer than two pairs is ``NaN``.
    """
    matrix = as_matrix(keyed)
    answered = ~np.isnan(matrix)
    k = matrix.shape[1]
    cov = np.full((k, k), np.nan)
    counts = np.zeros((k, k), dtype=np.int64)
    for i in range(k):
        for j in range(i, k):
            both = answered[:, i] & answered[:, j]
            m = int(both.sum())
            counts[i, j] = counts[j, i] = m
            if m >= 2:
                x, y = matrix[both, i], matrix[both, j]
                value = float(((x - x.mean()) * (y - y.mean())).sum() / (m - 1))
                cov[i, j] = cov[j, i] = value
    return cov, counts


def feldt_ci(
    alpha: float, *, n: int, k: int, confidence: float = 0.95
) -> tuple[float, float] | None:
    """Feldt (1965) confidence interval of Cronbach's alpha.

    lower = 1 - (1 - alpha) * F(1 - g/2; n-1, (n-1)(k-1)),
    upper = 1 - (1 - alpha) * F(g/2;     n-1, (n-1)(k-1)), with g = 1 - confidence,
    as psych's ``alpha.ci`` and pingouin's ``cronbach_alpha``. ``None`` when
    undefined (alpha not finite, n < 2 or k < 2).
    """
    if not math.isfinite(alpha) or n < 2 or k < 2:
        return None
    gamma = 1 - confidence
    df1, df2 = n - 1, (n - 1) * (k - 1)
    lower = 1 - (1 - alpha) * float(f_quantile(1 - gamma / 2, df1, df2))
    upper = 1 - (1 - alpha) * float(f_quantile(gamma / 2, df1, df2))
    return lower, upper


def cronbach_alpha(
    keyed: npt.ArrayLike, *, missing: Missing = "pairwise", confidence: float = 0.95
) -> AlphaResult:
    """Cronbach's (1951) alpha, ``k/(k-1) * (1 - trace(C) / sum(C))``.

    ``C`` is the item covariance matrix: pairwise-complete by default (R psych
    ``alpha()``'s ``raw_alpha``, pingouin ``nan_policy="pairwise"``), or from
    complete responses only with ``missing="listwise"``. ``n`` is the number of
    respondents the result rests on (at least one answer when pairwise, every
    answer when listwise) and is the ``n`` of the Feldt interval. Alpha is
    ``None`` with fewer than two items or two respondents, when a covariance
    or the total variance is undefined or not positive, or when pairwise
    deletion gives a value above 1 (psych and pingouin would print it; it
    cannot be a reliability, so Marblejar shows none).
    """
    rows = respondent_rows(as_matrix(keyed), check_missing(missing))
    n, k = rows.shape
    if k < 2 or n < 2:
        return AlphaResult(n, k, None, None, None)
    cov, _ = pairwise_covariance(rows)
    total = float(cov.sum())
    if not math.isfinite(total) or total <= ALPHA_ROUNDING * float(np.trace(cov)):
        return AlphaResult(n, k, None, None, None)
    alpha = k / (k - 1) * (1 - float(np.trace(cov)) / total)
    if alpha > 1 + ALPHA_ROUNDING:
        # Only possible when pairwise deletion yields a covariance matrix that
        # no complete data could produce; such a number is not a reliability.
        return AlphaResult(n, k, None, None, None)
    alpha = min(alpha, 1.0)
    ci = feldt_ci(alpha, n=n, k=k, confidence=confidence)
    return AlphaResult(n, k, alpha, *(ci if ci else (None, None)))
