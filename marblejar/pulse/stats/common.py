"""What every part of the statistics core shares: limits, array types, checks, quantiles."""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
import numpy.typing as npt

from marblejar.pulse.stats.limits import (  # noqa: F401  (re-exported)
    ALPHA_MIN_RESPONDENTS,
    MIN_GROUP_SIZE_DEFAULT,
    MIN_GROUP_SIZE_FLOOR,
)

Missing = Literal["pairwise", "listwise"]
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

# Perfectly consistent answers give alpha = 1 up to rounding; anything larger
# than this is a genuinely impossible value (see reliability.cronbach_alpha).
ALPHA_ROUNDING = 1e-9


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


def as_matrix(responses: npt.ArrayLike) -> FloatArray:
    matrix = np.asarray(responses, dtype=np.float64)
    if matrix.ndim == 1:
        matrix = matrix[:, None]
    if matrix.ndim != 2:
        raise ValueError(f"answers must be a 2-D array (responses x items), got {matrix.ndim}-D")
    return matrix


def check_scale(scale: tuple[float, float]) -> tuple[float, float]:
    low, high = scale
    if not (math.isfinite(low) and math.isfinite(high) and low < high):
        raise ValueError(f"a scale needs a finite minimum below its maximum, got {scale!r}")
    return float(low), float(high)


def check_missing(missing: str) -> Missing:
    if missing not in ("pairwise", "listwise"):
        raise ValueError(f"missing must be 'pairwise' or 'listwise', got {missing!r}")
    return missing  # type: ignore[return-value]


def respondent_rows(keyed: FloatArray, missing: Missing) -> FloatArray:
    """Rows that count as respondents under the missing-data policy."""
    answered = ~np.isnan(keyed)
    if missing == "listwise":
        return keyed[answered.all(axis=1)]
    return keyed[answered.any(axis=1)]


def none_if_nan(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


def scale_points(scale: tuple[float, float]) -> int:
    """Number of answer options ``A`` of a scale of whole numbers, e.g. 7 for (1, 7)."""
    low, high = check_scale(scale)
    return int(round(high - low)) + 1


# The quantiles come from scipy.special, imported on first use: they are the
# very functions scipy.stats' ``t.ppf`` and ``f.ppf`` evaluate (equal to the
# last bit), without the second it takes to import scipy.stats, which would
# otherwise be paid by every process that merely imports the web app.


def t_quantile(p: float | npt.ArrayLike, df: float | npt.ArrayLike) -> FloatArray:
    """Quantile ``p`` of Student's t with ``df`` degrees of freedom (``scipy.stats.t.ppf``)."""
    from scipy import special

    return np.asarray(special.stdtrit(df, p), dtype=np.float64)


def f_quantile(
    p: float | npt.ArrayLike, df1: float | npt.ArrayLike, df2: float | npt.ArrayLike
) -> FloatArray:
    """Quantile ``p`` of the F distribution (``scipy.stats.f.ppf``)."""
    from scipy import special

    return np.asarray(special.fdtri(df1, df2, p), dtype=np.float64)
