"""Statistics for pulse surveys: scores, uncertainty, reliability and agreement.

Plain NumPy (and SciPy where a function needs it, imported there) with no
Django import, so the same code serves the web app, the ``marblejar
analyze`` command, the tests and the benchmarks. ``tests/test_stats_core.py``
checks that no module of this package imports Django.

The parts, lowest first:

* :mod:`.common`: limits (the minimum group size), checks, quantiles;
* :mod:`.messages`: every sentence the statistics say, defined once;
* :mod:`.scores`: keying, scale scores, mean with its CI, the trend;
* :mod:`.reliability`: Cronbach's alpha with its Feldt interval;
* :mod:`.agreement`: rwg(j) and ICC(1)/ICC(2);
* :mod:`.summary`: everything shown for one group;
* :mod:`.batch`: the same for many groups at once.

Conventions used everywhere in this package:

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

References: Cronbach (1951); Feldt (1965); Feldt, Woodruff & Salih (1987);
James, Demaree & Wolf (1984); Bliese (2000); LeBreton & Senter (2008); R
packages psych and multilevel; pingouin. See ``docs/statistics.md``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from marblejar.pulse.stats.agreement import (
        AGREEMENT_BANDS,
        IccResult,
        agreement_in_words,
        icc,
        icc_from_anova,
        icc_from_groups,
        null_variance,
        rwg_j,
    )
    from marblejar.pulse.stats.batch import BatchStats, batch_group_stats
    from marblejar.pulse.stats.common import (
        ALPHA_MIN_RESPONDENTS,
        MIN_GROUP_SIZE_DEFAULT,
        MIN_GROUP_SIZE_FLOOR,
        FloatArray,
        IntArray,
        Missing,
        may_show,
        scale_points,
    )
    from marblejar.pulse.stats.messages import MESSAGES, Explanation, explain
    from marblejar.pulse.stats.reliability import (
        AlphaResult,
        cronbach_alpha,
        feldt_ci,
        pairwise_covariance,
    )
    from marblejar.pulse.stats.scores import (
        MeanResult,
        TrendResult,
        distribution,
        mean_ci,
        pooled_mean,
        respondent_scores,
        score_items,
        to_percent,
        trend,
    )
    from marblejar.pulse.stats.summary import GroupSummary, group_summary

# Each name is imported from its module on first use: NumPy (about a quarter
# of a second) then loads when a statistic is computed, not when Django starts
# (the models only need the limits, which import nothing).
_EXPORTS = {
    "AGREEMENT_BANDS": "agreement",
    "ALPHA_MIN_RESPONDENTS": "limits",
    "AlphaResult": "reliability",
    "BatchStats": "batch",
    "Explanation": "messages",
    "FloatArray": "common",
    "GroupSummary": "summary",
    "IccResult": "agreement",
    "IntArray": "common",
    "MESSAGES": "messages",
    "MIN_GROUP_SIZE_DEFAULT": "limits",
    "MIN_GROUP_SIZE_FLOOR": "limits",
    "MeanResult": "scores",
    "Missing": "common",
    "TrendResult": "scores",
    "agreement_in_words": "agreement",
    "batch_group_stats": "batch",
    "cronbach_alpha": "reliability",
    "distribution": "scores",
    "explain": "messages",
    "feldt_ci": "reliability",
    "group_summary": "summary",
    "icc": "agreement",
    "icc_from_anova": "agreement",
    "icc_from_groups": "agreement",
    "may_show": "common",
    "mean_ci": "scores",
    "null_variance": "agreement",
    "pairwise_covariance": "reliability",
    "pooled_mean": "scores",
    "respondent_scores": "scores",
    "rwg_j": "agreement",
    "scale_points": "common",
    "score_items": "scores",
    "to_percent": "scores",
    "trend": "scores",
}


def __getattr__(name: str) -> Any:
    if (module := _EXPORTS.get(name)) is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


__all__ = [
    "AGREEMENT_BANDS",
    "ALPHA_MIN_RESPONDENTS",
    "MESSAGES",
    "MIN_GROUP_SIZE_DEFAULT",
    "MIN_GROUP_SIZE_FLOOR",
    "AlphaResult",
    "BatchStats",
    "Explanation",
    "FloatArray",
    "GroupSummary",
    "IccResult",
    "IntArray",
    "MeanResult",
    "Missing",
    "TrendResult",
    "agreement_in_words",
    "batch_group_stats",
    "cronbach_alpha",
    "distribution",
    "explain",
    "feldt_ci",
    "group_summary",
    "icc",
    "icc_from_anova",
    "icc_from_groups",
    "may_show",
    "mean_ci",
    "null_variance",
    "pairwise_covariance",
    "pooled_mean",
    "respondent_scores",
    "rwg_j",
    "scale_points",
    "score_items",
    "to_percent",
    "trend",
]
