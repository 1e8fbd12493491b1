"""A team's long game, month by month: what the insights page reads from the tables.

Team figures only: nothing here is per person. Pulse scores come from the
stored results with the one rule every page applies (published, and
:data:`~marblejar.pulse.models.RESULT_SHOWN` with the pulse's own minimum
group size, fixed when it opened); a review's safety check counts only what
the review revealed to its participants (``safety_shown``). Five queries,
whatever the length of the period.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import Count, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone

from marblejar.insights.periods import Period, month_of
from marblejar.jar.models import Marble
from marblejar.pulse import stats
from marblejar.pulse.models import PulseResult
from marblejar.reflections.models import Kind as ReflectionKind
from marblejar.reflections.models import Reflection
from marblejar.reflections.models import Status as ReflectionStatus
from marblejar.reviews.models import Action, ActionStatus, CheckResult, Review
from marblejar.reviews.selectors import SAFETY_MIN_GROUP
from marblejar.teams.models import Team

SAFETY_INSTRUMENT = "psychological_safety"
# The safety check's levels, 1 to 5.
CHECK_SCALE = (1, 5)
# (created, status, done, check result, checked) of one action.
ActionRow = tuple[datetime, str, datetime | None, str, datetime | None]


@dataclass
class PulsePoint:
    """One published psychological-safety pulse: its score when shown, its participation."""

    pulse_id: int
    title: str
    closed_on: date
    shown: bool
    counted: int
    members: int | None
    min_group_size: int
    scale: tuple[int, int]
    n: int = 0
    mean: float | None = None
    sd: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    # Against the pulse before it that was shown (in the period).
    change: stats.TrendResult | None = None

    @property
    def participation(self) -> float | None:
        """Who counted, of who was in the team when it opened (0 to 1)."""
        if not self.members:
            return None
        return min(1.0, self.counted / self.members)


@dataclass
class CheckPoint:
    """One review's safety check, as far as the review revealed it."""

    review_id: int
    title: str
    on: date
    answers: int
    median: float


@dataclass
class MonthFigures:
    start: date
    marbles: int = 0
    reflections: int = 0
    by_leads: int = 0
    opened: int = 0
    done: int = 0
    worked: int = 0


@dataclass
class ActionTotals:
    opened: int = 0
    done: int = 0
    days_to_done: list[int] = field(default_factory=list)
    worked: int = 0
    partly: int = 0
    not_worked: int = 0
    too_early: int = 0

    @property
    def median_days_to_done(self) -> float | None:
        return statistics.median(self.days_to_done) if self.days_to_done else None

    @property
    def checked(self) -> int:
        """Answers that say something: yes, partly or no ("too early" does not)."""
        return self.worked + self.partly + self.not_worked


@dataclass
class TeamFigures:
    team: Team
    period: Period
    months: list[MonthFigures]
    pulses: list[PulsePoint]
    checks: list[CheckPoint]
    actions: ActionTotals
    action_rows: list[ActionRow] = field(default_factory=list, repr=False)

    def part(self, *, start: date, end: date) -> TeamFigures:
        """The same figures for the months from ``start`` to ``end`` (a quarter), no query."""
        period = Period(months=0, start=start, end=end)
        return TeamFigures(
            team=self.team,
            period=period,
            months=[m for m in self.months if start <= m.start < end],
            pulses=[p for p in self.pulses if start <= p.closed_on < end],
            checks=[c for c in self.checks if start <= c.on < end],
            actions=action_totals(self.action_rows, period.since, period.until, {}),
            action_rows=self.action_rows,
        )

    @property
    def shown_pulses(self) -> list[PulsePoint]:
        return [p for p in self.pulses if p.shown]

    @property
    def hidden_pulses(self) -> int:
        return sum(1 for p in self.pulses if not p.shown)

    @property
    def marbles(self) -> int:
        return sum(m.marbles for m in self.months)

    @property
    def reflections(self) -> int:
        return sum(m.reflections for m in self.months)

    @property
    def by_leads(self) -> int:
        return sum(m.by_leads for m in self.months)


def _pulses(team: Team, period: Period) -> list[PulsePoint]:
    rows = (
        PulseResult.objects.filter(
            organization_id=team.organization_id,
            team=team,
            instrument_slug=SAFETY_INSTRUMENT,
            pulse__published_at__isnull=False,
            closed_on__gte=period.start,
            closed_on__lt=period.end,
        )
        .order_by("closed_on", "pulse_id")
        .values_list(
            "pulse_id",
            "pulse__title",
            "closed_on",
            "n",
            "counted",
            "min_group_size",
            "mean",
            "sd",
            "ci_low",
            "ci_high",
            "pulse__members_at_open",
            "pulse__definition__scale__min",
            "pulse__definition__scale__max",
        )
    )
    points = []
    previous: PulsePoint | None = None
    for (
        pulse_id,
        title,
        closed_on,
        n,
        counted,
        k,
        mean,
        sd,
        ci_low,
        ci_high,
        members,
        low,
        high,
    ) in rows:
        point = PulsePoint(
            pulse_id=pulse_id,
            title=title,
            closed_on=closed_on,
            # The same rule as PulseResult.is_shown, on the pulse's own minimum.
            shown=counted >= k and mean is not None,
            counted=counted,
            members=len(members) if members else None,
            min_group_size=k,
            scale=(int(low), int(high)),
        )
        if point.shown:
            point.n, point.mean, point.sd = n, mean, sd
            point.ci_low, point.ci_high = ci_low, ci_high
            if previous is not None:
                point.change = stats.trend(_mean_of(previous), _mean_of(point))
            previous = point
        points.append(point)
    return points


def _mean_of(point: PulsePoint) -> stats.MeanResult:
    return stats.MeanResult(point.n, point.mean, point.sd, point.ci_low, point.ci_high)


def _checks(team: Team, period: Period) -> list[CheckPoint]:
    rows = (
        Review.objects.filter(organization_id=team.organization_id, team=team)
        .filter(
            Q(scheduled_for__gte=period.since, scheduled_for__lt=period.until)
            | Q(
                scheduled_for__isnull=True,
                created_at__gte=period.since,
                created_at__lt=period.until,
            )
        )
        .exclude(safety_shown={})
        .values_list("pk", "title", "scheduled_for", "created_at", "safety_shown")
    )
    out = []
    for pk, title, scheduled_for, created_at, shown in rows:
        counts = {int(level): int(n) for level, n in (shown or {}).items() if int(n) > 0}
        answers = sum(counts.values())
        if answers < SAFETY_MIN_GROUP:
            continue
        values = [level for level, n in sorted(counts.items()) for _ in range(n)]
        on = timezone.localtime(scheduled_for or created_at).date()
        out.append(CheckPoint(pk, title, on, answers, float(statistics.median(values))))
    out.sort(key=lambda c: (c.on, c.review_id))
    return out


_RESULTS = {
    CheckResult.WORKED: "worked",
    CheckResult.PARTLY: "partly",
    CheckResult.NOT: "not_worked",
    CheckResult.TOO_EARLY: "too_early",
}


def _action_rows(team: Team, period: Period) -> list[ActionRow]:
    since, until = period.since, period.until
    return list(
        Action.objects.filter(organization_id=team.organization_id, team=team)
        .filter(
            Q(created_at__gte=since, created_at__lt=until)
            | Q(done_at__gte=since, done_at__lt=until)
            | Q(checked_at__gte=since, checked_at__lt=until)
        )
        .values_list("created_at", "status", "done_at", "check_result", "checked_at")
    )


def action_totals(
    rows: list[ActionRow], since: datetime, until: datetime, months: dict[date, MonthFigures]
) -> ActionTotals:
    """Opened, done (days from creation), and the latest check answers, in ``[since, until)``.

    The same counting as :func:`marblejar.reviews.selectors_actions.action_figures`.
    """
    totals = ActionTotals()
    zone = timezone.get_current_timezone()
    for created_at, status, done_at, result, checked_at in rows:
        if since <= created_at < until:
            totals.opened += 1
            if months:
                months[month_of(created_at, zone)].opened += 1
        if status == ActionStatus.DONE and done_at is not None and since <= done_at < until:
            totals.done += 1
            totals.days_to_done.append(max(0, (done_at - created_at).days))
            if months:
                months[month_of(done_at, zone)].done += 1
        if result in _RESULTS and checked_at is not None and since <= checked_at < until:
            name = _RESULTS[CheckResult(result)]
            setattr(totals, name, getattr(totals, name) + 1)
            if months and result == CheckResult.WORKED:
                months[month_of(checked_at, zone)].worked += 1
    return totals


def team_figures(*, team: Team, period: Period) -> TeamFigures:
    """Everything the team's insights page shows over ``period`` (five queries)."""
    months = {start: MonthFigures(start) for start in period.month_list()}
    zone = timezone.get_current_timezone()
    marbles = (
        Marble.objects.filter(
            organization_id=team.organization_id,
            team=team,
            created_at__gte=period.since,
            created_at__lt=period.until,
        )
        .annotate(month=TruncMonth("created_at", tzinfo=zone))
        .values_list("month")
        .annotate(count=Count("pk"))
        .order_by()
    )
    for month, count in marbles:
        months[month_of(month, zone)].marbles += count
    reflections = (
        Reflection.objects.filter(
            organization_id=team.organization_id,
            team=team,
            status=ReflectionStatus.PUBLISHED,
            published_at__gte=period.since,
            published_at__lt=period.until,
        )
        .exclude(kind=ReflectionKind.UPDATE)
        .annotate(month=TruncMonth("published_at", tzinfo=zone))
        .values_list("month", "by_lead")
        .annotate(count=Count("pk"))
        .order_by()
    )
    for month, by_lead, count in reflections:
        figures = months[month_of(month, zone)]
        figures.reflections += count
        if by_lead:
            figures.by_leads += count
    rows = _action_rows(team, period)
    actions = action_totals(rows, period.since, period.until, months)
    return TeamFigures(
        team=team,
        period=period,
        months=list(months.values()),
        pulses=_pulses(team, period),
        checks=_checks(team, period),
        actions=actions,
        action_rows=rows,
    )
