"""What insights read of actions, checked against figures worked out from the rows."""

from __future__ import annotations

import random
import statistics
from datetime import UTC, datetime, timedelta

import pytest

from marblejar.reviews.models import Action
from marblejar.reviews.selectors_actions import action_figures

pytestmark = pytest.mark.django_db

START = datetime(2030, 1, 1, tzinfo=UTC)
END = datetime(2030, 7, 1, tzinfo=UTC)


def test_opened_done_days_to_done_and_checks_per_team_and_period(personas):
    rng = random.Random(12)
    made = []
    for team in (personas.team, personas.other_team):
        for i in range(40):
            created = START + timedelta(days=rng.randint(-60, 200))
            status = rng.choice(["open", "doing", "done", "done", "dropped"])
            done_at = created + timedelta(days=rng.randint(0, 90)) if status == "done" else None
            result = rng.choice(["", "worked", "partly", "not", "too_early"])
            checked = created + timedelta(days=rng.randint(10, 120)) if result else None
            made.append(
                Action.objects.create(
                    organization=personas.org,
                    team=team,
                    title=f"A{i}",
                    expected_effect="E",
                    created_at=created,
                    status=status,
                    done_at=done_at,
                    check_result=result,
                    checked_at=checked,
                )
            )
    figures = action_figures(
        team_ids=[personas.team.pk, personas.other_team.pk], since=START, until=END
    )
    for team in (personas.team, personas.other_team):
        mine = [a for a in made if a.team_id == team.pk]
        inside = lambda t: t is not None and START <= t < END  # noqa: E731
        done = [a for a in mine if a.status == "done" and inside(a.done_at)]
        f = figures[team.pk]
        assert f.opened == sum(inside(a.created_at) for a in mine)
        assert f.done == len(done)
        assert f.median_days_to_done == statistics.median(
            (a.done_at - a.created_at).days for a in done
        )
        for attr, result in (
            ("worked", "worked"),
            ("partly", "partly"),
            ("not_worked", "not"),
            ("too_early", "too_early"),
        ):
            expected = sum(a.check_result == result and inside(a.checked_at) for a in mine)
            assert getattr(f, attr) == expected, attr


def test_the_list_counts_agree_with_the_rows_under_every_filter(personas):
    from marblejar.reviews.models import UNFINISHED, ActionStatus, CheckResult
    from marblejar.reviews.selectors_actions import (
        ActionFilter,
        action_counts,
        action_list_for_team,
    )

    rng = random.Random(7)
    today = datetime(2030, 3, 1, tzinfo=UTC).date()
    for i in range(80):
        Action.objects.create(
            organization=personas.org,
            team=rng.choice([personas.team, personas.team, personas.other_team]),
            title=f"A{i}",
            expected_effect="E",
            owner=rng.choice([None, personas.lead, personas.member]),
            status=rng.choice(list(ActionStatus)),
            due_on=rng.choice([None, today - timedelta(days=3), today, today + timedelta(days=3)]),
            check_on=rng.choice([None, today - timedelta(days=1), today, today + timedelta(1)]),
            check_result=rng.choice(["", *CheckResult.values]),
        )
    filters = [
        ActionFilter(),
        ActionFilter(status="open"),
        ActionFilter(owner="team"),
        ActionFilter(owner=str(personas.member.pk), overdue=True),
        ActionFilter(review="hand", sort="due"),
    ]
    for f in filters:
        listed = action_list_for_team(
            user=personas.lead, team=personas.team, filters=f, today=today
        )
        rows = list(listed)
        assert action_counts(actions=listed, today=today) == {
            "total": len(rows),
            "open": sum(a.status == ActionStatus.OPEN for a in rows),
            "doing": sum(a.status == ActionStatus.DOING for a in rows),
            "overdue": sum(
                a.status in UNFINISHED and a.due_on is not None and a.due_on < today for a in rows
            ),
            "to_check": sum(
                a.check_on is not None
                and a.check_on <= today
                and a.check_result in ("", CheckResult.TOO_EARLY)
                and a.status != ActionStatus.DROPPED
                for a in rows
            ),
        }
        assert rows  # every filter here finds some
