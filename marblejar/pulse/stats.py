"""Statistics for pulse surveys: scores, uncertainty, reliability and agreement.

Plain NumPy/SciPy with no Django import, so the same code serves the web app,
the ``marblejar analyze`` command, the tests and the benchmark.

Conventions used everywhere in this module:

* Answers arrive as a 2-D float array, one row per response and one column per
  item. A missing answer is ``NaN``. A row with no answer at all is not a
  respondent and is ignored.
* "Keyed" answers have reverse-keyed items already recoded (``min + max - x``),
  so that a higher number always means more of what the instrument measures.
* A respondent's scale score is the mean of the keyed items they answered
  (as ``rowMeans(x, na.rm = TRUE)`` in R's psych package).
* Missing answers are handled ``"pairwise"`` by default, as R psych's
  ``alpha()`` and pingouin do: every variance and covariance uses every answer
  available to it. ``"listwise"`` drops every response with a missing answer
  before anything is computed.
* Where a number is undefined (an SD from one person, alpha from one item, a
  confidence interval from one answer) the per-group functions return ``None``
  and the batch function returns ``NaN``. Nothing is silently replaced by 0.

Every result can explain itself in one plain sentence that says what it means
and how many people it rests on (PRODUCT principle 3). The sentences live in
:data:`MESSAGES`, in one place, so that the web app can mark them for
translation; :func:`explain` formats them.

References: Cronbach (1951); Feldt (1965); Feldt, Woodruff & Salih (1987);
James, Demaree & Wolf (1984); Bliese (2000); R packages psych and multilevel;
pingouin. See ``docs/statistics.md``.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt
from scipy import sparse
from scipy import stats as sps

Missing = Literal["pairwise", "listwise"]
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: Nothing about a group is shown below this many respondents, unless an
#: organization chooses another threshold ...
MIN_GROUP_SIZE_DEFAULT = 5
#: ... which may never be lower than this: with two respondents each one can
#: work out the other's answers from the mean and their own.
MIN_GROUP_SIZE_FLOOR = 3

# Perfectly consistent answers give alpha = 1 up to rounding; anything larger
# than this is a genuinely impossible value (see cronbach_alpha).
_ALPHA_ROUNDING = 1e-9

# One sentence per number, in English. Parameters are named so that a
# translation can reorder them. A key ending in "_one" is used instead of its
# plain form when n == 1, the only plural form English needs here.
MESSAGES: dict[str, str] = {
    "n": "{n} people answered.",
    "n_one": "1 person answered.",
    "mean": (
        "On a scale from {min:g} to {max:g}, the average answer of these {n} people is {mean:.2f}."
    ),
    "mean_one": "On a scale from {min:g} to {max:g}, the one answer is {mean:.2f}.",
    "mean_unscaled": "The average score of these {n} people is {mean:.2f}.",
    "percent": (
        "That is {percent:.0f} out of 100, where 0 is the lowest possible answer "
        "and 100 the highest."
    ),
    "sd": (
        "Answers typically sit {sd:.2f} points away from the average; "
        "the larger this is, the more the {n} people differ."
    ),
    "sd_undefined": "How much answers differ cannot be said from a single answer.",
    "ci": (
        "Given how much {n} people's answers vary, the team's true average is "
        "probably between {low:.2f} and {high:.2f} (95% confidence interval)."
    ),
    "ci_undefined": "The uncertainty of the average cannot be estimated from one answer.",
    "alpha": (
        "Cronbach's alpha is {alpha:.2f}: how consistently the {k} questions measure "
        "one thing in these {n} people's answers (above 0.7 is usually considered "
        "consistent enough; it can be low by chance in small groups)."
    ),
    "alpha_ci": (
        "With {n} people, alpha is probably between {low:.2f} and {high:.2f} "
        "(95% confidence interval)."
    ),
    "alpha_undefined": (
        "Internal consistency needs at least two questions and two people who answered "
        "them differently, so it is not shown."
    ),
    "rwg_j": (
        "Agreement within the team is {rwg:.2f} on a scale from 0 (no more agreement "
        "than random answers) to 1 (everyone answered alike), across {n} people."
    ),
    "rwg_j_undefined": "Agreement needs at least two people, so it is not shown.",
    "icc1": (
        "{percent:.0f}% of the differences between people's scores lie between teams "
        "rather than within them (ICC1 = {icc1:.3f}, {n} people in {groups} teams)."
    ),
    "icc2": (
        "Team averages are this reliable at telling teams apart: {icc2:.2f} on a "
        "scale from 0 to 1 (ICC2, teams of {k:.1f} people on average)."
    ),
    "icc_undefined": "Comparing teams needs at least two teams and more people than teams.",
    "trend_up": (
        "The average rose by {diff:.2f} points ({n_before} people before, {n_after} "
        "after); this is larger than its uncertainty (95% CI {low:.2f} to {high:.2f})."
    ),
    "trend_down": (
        "The average fell by {abs_diff:.2f} points ({n_before} people before, {n_after} "
        "after); this is larger than its uncertainty (95% CI {low:.2f} to {high:.2f})."
    ),
    "trend_unclear": (
        "The average changed by {diff:+.2f} points ({n_before} people before, {n_after} "
        "after), which is within its uncertainty (95% CI {low:.2f} to {high:.2f}): "
        "no clear change."
    ),
    "trend_undefined": "A change needs at least two answers in each pulse, so it is not shown.",
    "suppressed": (
        "Fewer than {min_group_size} people answered, so nothing is shown to keep "
        "answers anonymous."
    ),
}


def explain(message_id: str, /, **params: object) -> str:
    """Return the English sentence for ``message_id`` filled with ``params``.

    If ``params`` has ``n == 1`` and a ``<message_id>_one`` sentence exists, that
    one is used. Unknown ids raise ``KeyError`` so that a typo fails loudly.
    """
    if params.get("n") == 1 and f"{message_id}_one" in MESSAGES:
        message_id = f"{message_id}_one"
    return MESSAGES[message_id].format(**params)


@dataclass(frozen=True)
class Explanation:
    """A message id with its parameters: translatable later, readable now."""

    message_id: str
    params: Mapping[str, object] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return explain(self.message_id, **self.params)


def may_show(n: int, *, min_group_size: int = MIN_GROUP_SIZE_DEFAULT) -> bool:
    """Whether a group of ``n`` respondents is large enough to show anything about it.

    ``min_group_size`` below :data:`MIN_GROUP_SIZE_FLOOR` is refused
    (``ValueError``): the floor protects anonymity and is not configurable.
    """
    if min_group_size < MIN_GROUP_SIZE_FLOOR:
        raise ValueError(
            f"the minimum group size may not be below {MIN_GROUP_SIZE_FLOOR}, got {min_group_size}"
        )
    return n >= min_group_size


# ---------------------------------------------------------------------------
# Helpers


def _as_matrix(responses: npt.ArrayLike) -> FloatArray:
    matrix = np.asarray(responses, dtype=np.float64)
    if matrix.ndim == 1:
        matrix = matrix[:, None]
    if matrix.ndim != 2:
        raise ValueError(f"answers must be a 2-D array (responses x items), got {matrix.ndim}-D")
    return matrix


def _check_scale(scale: tuple[float, float]) -> tuple[float, float]:
    low, high = scale
    if not (math.isfinite(low) and math.isfinite(high) and low < high):
        raise ValueError(f"a scale needs a finite minimum below its maximum, got {scale!r}")
    return float(low), float(high)


def _check_missing(missing: str) -> Missing:
    if missing not in ("pairwise", "listwise"):
        raise ValueError(f"missing must be 'pairwise' or 'listwise', got {missing!r}")
    return missing  # type: ignore[return-value]


def _respondent_rows(keyed: FloatArray, missing: Missing) -> FloatArray:
    """Rows that count as respondents under the missing-data policy."""
    answered = ~np.isnan(keyed)
    if missing == "listwise":
        return keyed[answered.all(axis=1)]
    return keyed[answered.any(axis=1)]


def _none_if_nan(value: float) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


def scale_points(scale: tuple[float, float]) -> int:
    """Number of answer options ``A`` of a scale of whole numbers, e.g. 7 for (1, 7)."""
    low, high = _check_scale(scale)
    return int(round(high - low)) + 1


def null_variance(points: int) -> float:
    """Variance of answers drawn uniformly from ``points`` options: ``(A**2 - 1) / 12``.

    This is the "no agreement at all" baseline of rwg (James, Demaree & Wolf 1984).
    """
    if points < 2:
        raise ValueError(f"a scale needs at least two points, got {points}")
    return (points**2 - 1) / 12.0


# ---------------------------------------------------------------------------
# Scoring


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
    matrix = _as_matrix(responses).copy()
    low, high = _check_scale(scale)
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
    matrix = _as_matrix(keyed)
    answered = ~np.isnan(matrix)
    ones = np.ones(matrix.shape[1])
    counts = answered.astype(np.float64) @ ones
    totals = np.where(answered, matrix, 0.0) @ ones
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, totals / counts, np.nan)


# ---------------------------------------------------------------------------
# Per-group statistics


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
    half = float(sps.t.ppf((1 + confidence) / 2, n - 1)) * sd / math.sqrt(n)
    return MeanResult(n, mean, sd, mean - half, mean + half)


def pairwise_covariance(keyed: npt.ArrayLike) -> tuple[FloatArray, IntArray]:
    """Covariance matrix from pairwise-complete answers, as R's ``cov(use="pairwise")``.

    Each entry uses the rows where both items were answered, centred on those
    rows' own means (ddof=1). Returns the matrix and the pair counts; an entry
    with fewer than two pairs is ``NaN``.
    """
    matrix = _as_matrix(keyed)
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
    lower = 1 - (1 - alpha) * float(sps.f.ppf(1 - gamma / 2, df1, df2))
    upper = 1 - (1 - alpha) * float(sps.f.ppf(gamma / 2, df1, df2))
    return lower, upper


@dataclass(frozen=True)
class AlphaResult:
    """Cronbach's alpha with its Feldt confidence interval."""

    n: int
    k: int
    alpha: float | None
    ci_low: float | None
    ci_high: float | None

    def explain(self) -> list[Explanation]:
        if self.alpha is None:
            return [Explanation("alpha_undefined")]
        out = [Explanation("alpha", {"alpha": self.alpha, "k": self.k, "n": self.n})]
        if self.ci_low is not None:
            out.append(
                Explanation("alpha_ci", {"n": self.n, "low": self.ci_low, "high": self.ci_high})
            )
        return out


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
    rows = _respondent_rows(_as_matrix(keyed), _check_missing(missing))
    n, k = rows.shape
    if k < 2 or n < 2:
        return AlphaResult(n, k, None, None, None)
    cov, _ = pairwise_covariance(rows)
    total = float(cov.sum())
    if not math.isfinite(total) or total <= _ALPHA_ROUNDING * float(np.trace(cov)):
        return AlphaResult(n, k, None, None, None)
    alpha = k / (k - 1) * (1 - float(np.trace(cov)) / total)
    if alpha > 1 + _ALPHA_ROUNDING:
        # Only possible when pairwise deletion yields a covariance matrix that
        # no complete data could produce; such a number is not a reliability.
        return AlphaResult(n, k, None, None, None)
    alpha = min(alpha, 1.0)
    ci = feldt_ci(alpha, n=n, k=k, confidence=confidence)
    return AlphaResult(n, k, alpha, *(ci if ci else (None, None)))


def rwg_j(keyed: npt.ArrayLike, *, points: int, missing: Missing = "pairwise") -> float | None:
    """Within-group agreement rwg(j) of James, Demaree & Wolf (1984).

    ``J(1 - s2/e) / (J(1 - s2/e) + s2/e)`` with ``s2`` the mean of the items'
    variances (ddof=1, each over the answers it has, as R multilevel
    ``rwg.j``) and ``e = (A**2 - 1) / 12`` the variance of uniformly random
    answers on ``A = points`` options. ``s2`` is capped at ``e``, so the result
    lies in [0, 1]. ``None`` for a group of one, or when no item has two answers.
    """
    rows = _respondent_rows(_as_matrix(keyed), _check_missing(missing))
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


def distribution(scores: npt.ArrayLike, *, scale: tuple[float, float]) -> list[int]:
    """Counts of respondents per scale point, each score rounded half up.

    We count respondents (by their rounded scale score), not individual
    answers: a chart then has as many marks as there are people, which is what
    the count under it says. ``NaN`` scores are skipped.
    """
    low, high = _check_scale(scale)
    points = scale_points(scale)
    values = np.asarray(scores, dtype=np.float64).ravel()
    values = values[~np.isnan(values)]
    index = np.clip(np.floor(values - low + 0.5).astype(np.int64), 0, points - 1)
    return [int(c) for c in np.bincount(index, minlength=points)]


@dataclass(frozen=True)
class GroupSummary:
    """Everything shown for one group (one team in one pulse)."""

    n: int
    k: int
    scale: tuple[float, float] | None
    mean: float | None
    percent: float | None
    sd: float | None
    ci_low: float | None
    ci_high: float | None
    alpha: float | None
    alpha_ci_low: float | None
    alpha_ci_high: float | None
    rwg_j: float | None
    item_means: tuple[float | None, ...]
    distribution: tuple[int, ...] | None

    def shown(self, *, min_group_size: int = MIN_GROUP_SIZE_DEFAULT) -> bool:
        return may_show(self.n, min_group_size=min_group_size)

    def explain(self, *, min_group_size: int = MIN_GROUP_SIZE_DEFAULT) -> list[Explanation]:
        """One sentence per number, or only the suppression sentence below the threshold."""
        if not self.shown(min_group_size=min_group_size):
            return [Explanation("suppressed", {"min_group_size": min_group_size})]
        return self.explain_all()

    def explain_all(self) -> list[Explanation]:
        """Every sentence regardless of group size: only for an analyst's own data
        (``marblejar analyze``), never for pages other people see."""
        out = [Explanation("n", {"n": self.n})]
        if self.mean is not None and self.scale is not None:
            low, high = self.scale
            out.append(
                Explanation("mean", {"n": self.n, "mean": self.mean, "min": low, "max": high})
            )
            out.append(Explanation("percent", {"percent": self.percent}))
        elif self.mean is not None:
            out.append(Explanation("mean_unscaled", {"n": self.n, "mean": self.mean}))
        out += MeanResult(self.n, self.mean, self.sd, self.ci_low, self.ci_high).explain()[2:]
        out += AlphaResult(
            self.n, self.k, self.alpha, self.alpha_ci_low, self.alpha_ci_high
        ).explain()
        if self.scale is not None:
            out.append(
                Explanation("rwg_j", {"rwg": self.rwg_j, "n": self.n})
                if self.rwg_j is not None
                else Explanation("rwg_j_undefined")
            )
        return out


def to_percent(mean: float, *, scale: tuple[float, float]) -> float:
    """Place ``mean`` on 0-100: ``(mean - min) / (max - min) * 100``."""
    low, high = _check_scale(scale)
    return (mean - low) / (high - low) * 100.0


def group_summary(
    keyed: npt.ArrayLike,
    *,
    scale: tuple[float, float] | None = (1, 7),
    missing: Missing = "pairwise",
    confidence: float = 0.95,
) -> GroupSummary:
    """All statistics of one group from its keyed answers (responses x items).

    ``scale=None`` is for data without a known answer scale (bring-your-own
    data): then the 0-100 score, rwg(j) and the distribution are ``None``.
    """
    matrix = _as_matrix(keyed)
    rows = _respondent_rows(matrix, _check_missing(missing))
    n, k = rows.shape
    mean = mean_ci(respondent_scores(rows), confidence=confidence)
    alpha = cronbach_alpha(rows, missing=missing, confidence=confidence)
    with np.errstate(invalid="ignore"):
        answered = ~np.isnan(rows)
        item_means = tuple(
            float(rows[answered[:, c], c].mean()) if answered[:, c].any() else None
            for c in range(k)
        )
    percent = rwg = dist = None
    if scale is not None:
        if mean.mean is not None:
            percent = to_percent(mean.mean, scale=scale)
        rwg = rwg_j(rows, points=scale_points(scale), missing=missing)
        dist = tuple(distribution(respondent_scores(rows), scale=scale))
    return GroupSummary(
        n=n,
        k=k,
        scale=_check_scale(scale) if scale is not None else None,
        mean=mean.mean,
        percent=percent,
        sd=mean.sd,
        ci_low=mean.ci_low,
        ci_high=mean.ci_high,
        alpha=alpha.alpha,
        alpha_ci_low=alpha.ci_low,
        alpha_ci_high=alpha.ci_high,
        rwg_j=rwg,
        item_means=item_means,
        distribution=dist,
    )


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
    return IccResult(n, groups, k, msb, msw, _none_if_nan(icc1), _none_if_nan(icc2))  # type: ignore[arg-type]


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

    def explain(self) -> Explanation:
        if self.difference is None:
            return Explanation("trend_undefined")
        params = {
            "diff": self.difference,
            "abs_diff": abs(self.difference),
            "low": self.ci_low,
            "high": self.ci_high,
            "n_before": self.n_before,
            "n_after": self.n_after,
        }
        if not self.exceeds_uncertainty:
            return Explanation("trend_unclear", params)
        return Explanation("trend_up" if self.difference > 0 else "trend_down", params)


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
    half = float(sps.t.ppf((1 + confidence) / 2, df)) * math.sqrt(se2)
    low, high = diff - half, diff + half
    return TrendResult(n1, n2, diff, low, high, df, bool(low > 0 or high < 0))


# ---------------------------------------------------------------------------
# Many groups at once


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
        f = _none_if_nan
        return GroupSummary(
            n=int(self.n[index]),
            k=int(self.item_means.shape[1]),
            scale=_check_scale(scale) if scale is not None else None,
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


def _by_unique(values: FloatArray, fn: Callable[[FloatArray], npt.ArrayLike]) -> FloatArray:
    """Evaluate a SciPy quantile once per distinct degrees of freedom.

    Thousands of groups share a few dozen sizes, and ``ppf`` is by far the
    slowest call here, so we evaluate it on the distinct values only.
    """
    distinct, inverse = np.unique(values, return_inverse=True)
    return np.asarray(fn(distinct), dtype=np.float64)[inverse]


class _GroupSums:
    """Per-group column sums as one sparse product: (groups x rows one-hot) @ (rows x m).

    Building the one-hot matrix costs nothing (one non-zero per row, already in
    CSC order), and each product is a single pass over the data however many
    columns it has, which is several times faster than one ``np.bincount`` per
    column and needs no sorting.
    """

    def __init__(self, index: npt.NDArray[np.intp], groups: int) -> None:
        rows = index.size
        self.onehot = sparse.csc_array(
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
    matrix = _as_matrix(keyed)
    group_index = np.asarray(groups)
    if group_index.ndim != 1 or group_index.size != matrix.shape[0]:
        raise ValueError("groups needs one entry per response")
    if group_index.size and (
        not np.issubdtype(group_index.dtype, np.integer) or group_index.min() < 0
    ):
        raise ValueError("groups must be non-negative integers")
    group_index = group_index.astype(np.intp, copy=False)
    missing = _check_missing(missing)
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

    # Centre near the data (means of the first rows): variances are unchanged,
    # and sums of squares do not lose precision on values far from zero.
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
        tq = _by_unique(np.maximum(n - 1, 1), lambda d: sps.t.ppf((1 + confidence) / 2, d))
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
            valid = (n > 1) & (total_var > _ALPHA_ROUNDING * trace) & (trace > 0)
            valid &= alpha <= 1 + _ALPHA_ROUNDING
            alpha = np.where(valid, np.minimum(alpha, 1.0), np.nan)
        else:
            alpha = np.full(n.size, np.nan)
        gamma = 1 - confidence
        ok = np.isfinite(alpha)
        df1 = np.maximum(n - 1, 1)
        ratio_df = max(k - 1, 1)
        f_hi = _by_unique(df1, lambda d: sps.f.ppf(1 - gamma / 2, d, d * ratio_df))
        f_lo = _by_unique(df1, lambda d: sps.f.ppf(gamma / 2, d, d * ratio_df))
        alpha_ci_low = np.where(ok, 1 - (1 - alpha) * f_hi, np.nan)
        alpha_ci_high = np.where(ok, 1 - (1 - alpha) * f_lo, np.nan)

    rwg = np.full(n.size, np.nan)
    percent = np.full(n.size, np.nan)
    dist: IntArray | None = None
    if scale is not None:
        low, high = _check_scale(scale)
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
