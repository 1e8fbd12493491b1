"""Everything shown for one group (one team in one pulse), and when it is shown."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from marblejar.pulse.stats.agreement import agreement_in_words, rwg_j
from marblejar.pulse.stats.common import (
    MIN_GROUP_SIZE_DEFAULT,
    Missing,
    as_matrix,
    check_missing,
    check_scale,
    may_show,
    respondent_rows,
    scale_points,
)
from marblejar.pulse.stats.messages import Explanation
from marblejar.pulse.stats.reliability import AlphaResult, cronbach_alpha
from marblejar.pulse.stats.scores import (
    MeanResult,
    distribution,
    mean_ci,
    respondent_scores,
    to_percent,
)


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

    @property
    def reliability(self) -> AlphaResult:
        return AlphaResult(self.n, self.k, self.alpha, self.alpha_ci_low, self.alpha_ci_high)

    def explain(self, *, min_group_size: int = MIN_GROUP_SIZE_DEFAULT) -> list[Explanation]:
        """What a team's page says, one sentence per number: only the suppression
        sentence below the minimum group size; alpha only where it can mean something
        (:meth:`AlphaResult.explain_for_team`); agreement with its meaning in words."""
        if not self.shown(min_group_size=min_group_size):
            return [Explanation("suppressed", {"min_group_size": min_group_size})]
        out = self._score_sentences()
        out += self.reliability.explain_for_team()
        if self.scale is not None:
            out += agreement_in_words(self.rwg_j, n=self.n)
        return out

    def explain_all(self) -> list[Explanation]:
        """Every sentence regardless of group size: only for an analyst's own data
        (``marblejar analyze``), never for pages other people see."""
        out = self._score_sentences()
        out += self.reliability.explain()
        if self.scale is not None:
            out.append(
                Explanation("rwg_j", {"rwg": self.rwg_j, "n": self.n})
                if self.rwg_j is not None
                else Explanation("rwg_j_undefined")
            )
        return out

    def _score_sentences(self) -> list[Explanation]:
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
        return out


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
    matrix = as_matrix(keyed)
    rows = respondent_rows(matrix, check_missing(missing))
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
        scale=check_scale(scale) if scale is not None else None,
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
