"""The team's insights page, its numbers checked against figures worked out from the rows."""

from __future__ import annotations

import random
import re
import statistics
from datetime import date, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from marblejar.insights.periods import month_of, period_of
from marblejar.jar.models import Marble
from marblejar.pulse import services as pulse_services
from marblejar.pulse.models import Pulse, PulseResult
from marblejar.pulse.tests.factories import add_members, answers_for, open_pulse, set_k
from marblejar.reflections.models import Reflection
from marblejar.reviews.models import Action, Review
from marblejar.reviews.selectors_actions import action_figures

pytestmark = pytest.mark.django_db


def url(team, months: int | None = None) -> str:
    base = reverse("insights:team", args=[team.slug])
    return f"{base}?months={months}" if months else base


def markdown_url(team, months: int) -> str:
    return f"{reverse('insights:team_markdown', args=[team.slug])}?months={months}"


def moment_in(period, rng: random.Random, *, margin: int = 40) -> datetime:
    """A moment from ``margin`` days before the period to ``margin`` days after it."""
    span = (period.until - period.since).days + 2 * margin
    return (
        period.since
        - timedelta(days=margin)
        + timedelta(
            days=rng.randint(0, span - 1), hours=rng.randint(0, 23), minutes=rng.randint(0, 59)
        )
    )


def seed_rows(p, period, rng: random.Random) -> None:
    """Marbles, reflections and actions in both teams, in and around the period."""
    for team in (p.team, p.other_team):
        for i in range(60):
            Marble.objects.create(
                organization=p.org,
                team=team,
                act_key=f"manual:{team.pk}:{i}",
                act="offline",
                response="offline",
                created_at=moment_in(period, rng),
            )
        for i in range(40):
            published = moment_in(period, rng)
            Reflection.objects.create(
                organization=p.org,
                team=team,
                author=p.lead if team == p.team else p.other,
                kind=rng.choice(["mistake", "lesson", "help", "learning", "update"]),
                status=rng.choice(["published", "published", "draft"]),
                title=f"R{i}",
                by_lead=rng.random() < 0.4,
                published_at=published,
            )
        for i in range(40):
            created = moment_in(period, rng)
            status = rng.choice(["open", "doing", "done", "done", "dropped"])
            result = rng.choice(["", "worked", "partly", "not", "too_early"])
            Action.objects.create(
                organization=p.org,
                team=team,
                title=f"A{i}",
                expected_effect="E",
                created_at=created,
                status=status,
                done_at=created + timedelta(days=rng.randint(0, 60)) if status == "done" else None,
                check_result=result,
                checked_at=created + timedelta(days=rng.randint(5, 90)) if result else None,
            )


def test_month_by_month_figures_match_the_raw_tables(personas, client_for):
    period = period_of(6)
    seed_rows(personas, period, random.Random(12))
    response = client_for("member").get(url(personas.team))
    assert response.status_code == 200
    figures = response.context["figures"]

    def inside(moment) -> bool:
        return moment is not None and period.since <= moment < period.until

    team = personas.team
    marbles = [m.created_at for m in Marble.objects.filter(team=team) if inside(m.created_at)]
    reflections = [
        r
        for r in Reflection.objects.filter(team=team, status="published").exclude(kind="update")
        if inside(r.published_at)
    ]
    actions = list(Action.objects.filter(team=team))
    for month in figures.months:
        in_month = lambda t, m=month.start: inside(t) and month_of(t) == m  # noqa: E731
        assert month.marbles == sum(in_month(t) for t in marbles), month.start
        assert month.reflections == sum(in_month(r.published_at) for r in reflections)
        assert month.by_leads == sum(in_month(r.published_at) and r.by_lead for r in reflections)
        assert month.opened == sum(in_month(a.created_at) for a in actions)
        assert month.done == sum(a.status == "done" and in_month(a.done_at) for a in actions)
        assert month.worked == sum(
            a.check_result == "worked" and in_month(a.checked_at) for a in actions
        )
    done = [a for a in actions if a.status == "done" and inside(a.done_at)]
    assert figures.actions.done == len(done)
    assert figures.actions.median_days_to_done == statistics.median(
        (a.done_at - a.created_at).days for a in done
    )
    # The same counting as what the action list's figures give.
    reference = action_figures(team_ids=[team.pk], since=period.since, until=period.until)[team.pk]
    for name in ("opened", "done", "worked", "partly", "not_worked", "too_early"):
        assert getattr(figures.actions, name) == getattr(reference, name), name
    # The month table on the page says the same.
    page = response.content.decode()
    totals = re.search(r"<tfoot><tr><th scope=\"row\">Total</th>(.*?)</tr></tfoot>", page).group(1)
    assert re.findall(r"<td>(\d+)</td>", totals) == [
        str(len(marbles)),
        str(len(reflections)),
        str(sum(r.by_lead for r in reflections)),
        str(sum(inside(a.created_at) for a in actions)),
        str(len(done)),
        str(sum(a.check_result == "worked" and inside(a.checked_at) for a in actions)),
    ]
    leads = sum(r.by_lead for r in reflections)
    assert (
        f"{len(reflections)} reflections shared, {leads} of them "
        f"({round(100 * leads / len(reflections))}%) by leads" in page
    )


def pulse_answered_by(lead, team, people, values, *, k=3, publish=True) -> Pulse:
    pulse = open_pulse(lead, team, k=k)
    for user, value in zip(people, values, strict=True):
        pulse_services.pulse_answer(actor=user, pulse=pulse, values=answers_for(pulse, value))
    pulse_services.pulse_close(pulse=pulse, actor=lead)
    if publish:
        pulse_services.pulse_respond(actor=lead, pulse=pulse, heard="h", plan="p")
    pulse.refresh_from_db()
    return pulse


def closed_on(pulse: Pulse, day: date) -> None:
    PulseResult.objects.filter(pulse=pulse).update(closed_on=day)


def test_only_published_pulses_that_reached_their_own_minimum_have_a_score(personas, client_for):
    set_k(personas.org, 3)
    people = [personas.lead, personas.member, personas.member2]
    people += add_members(personas.team, personas.org, 3)
    today = timezone.localdate()
    shown = pulse_answered_by(personas.lead, personas.team, people[:4], [2, 3, 3, 4])
    closed_on(shown, today - timedelta(days=90))
    # k=5 promised when it opened: four answers are not enough, even after the
    # organization's minimum is lowered.
    hidden = pulse_answered_by(personas.lead, personas.team, people[:4], [7, 7, 7, 7], k=5)
    closed_on(hidden, today - timedelta(days=60))
    unpublished = pulse_answered_by(
        personas.lead, personas.team, people, [1, 1, 1, 1, 1, 1], publish=False
    )
    closed_on(unpublished, today - timedelta(days=30))
    later = pulse_answered_by(personas.lead, personas.team, people, [6, 6, 7, 6, 7, 6])
    set_k(personas.org, 3)

    response = client_for("member").get(url(personas.team))
    figures = response.context["figures"]
    assert [p.pulse_id for p in figures.pulses] == [shown.pk, hidden.pk, later.pk]
    assert [p.shown for p in figures.pulses] == [True, False, True]
    hidden_point = figures.pulses[1]
    assert hidden_point.mean is None and hidden_point.ci_low is None and hidden_point.n == 0
    for point, pulse in ((figures.pulses[0], shown), (figures.pulses[2], later)):
        result = PulseResult.objects.get(pulse=pulse)
        assert result.is_shown
        assert (point.mean, point.ci_low, point.ci_high, point.n) == (
            result.mean,
            result.ci_low,
            result.ci_high,
            result.n,
        )
    # Low answers, then high ones from more people: a rise far larger than the noise.
    page = response.content.decode()
    first, last = (PulseResult.objects.get(pulse=p) for p in (shown, later))
    assert last.mean - first.mean > 0.3
    assert (
        f"Safety rose from {first.mean:.1f} to {last.mean:.1f} across 2 pulses; the rise is "
        "larger than its uncertainty." in page
    )
    assert "Not shown: fewer than 5 people who were in the team when it opened answered." in page
    assert "1 pulse of this period has no score" in page
    # Participation counts who was in the team when each pulse opened.
    assert [round(p.participation, 2) for p in figures.pulses] == [0.67, 0.67, 1.0]
    # The hidden pulse's mean appears nowhere.
    hidden_mean = PulseResult.objects.get(pulse=hidden).mean
    assert hidden_mean is not None and f"{hidden_mean:.2f}" not in page


def test_a_review_counts_only_the_safety_check_it_revealed(personas, client_for):
    now = timezone.now()

    def review(title, counts, shown, days_ago):
        return Review.objects.create(
            organization=personas.org,
            team=personas.team,
            title=title,
            purpose="p",
            agenda="a",
            intent="i",
            template_name="t",
            phase="closed",
            scheduled_for=now - timedelta(days=days_ago),
            safety_counts=counts,
            safety_shown=shown,
        )

    review("Two answers only", {"1": 1, "2": 1}, {}, 100)
    review("Revealed", {"2": 2, "4": 3, "5": 1}, {"2": 2, "4": 1}, 50)
    review("All revealed", {"3": 1, "4": 2, "5": 2}, {"3": 1, "4": 2, "5": 2}, 10)
    figures = client_for("member").get(url(personas.team)).context["figures"]
    assert [(c.title, c.answers, c.median) for c in figures.checks] == [
        ("Revealed", 3, statistics.median([2, 2, 4])),
        ("All revealed", 5, statistics.median([3, 4, 4, 5, 5])),
    ]


def test_the_period_and_the_quarter_summary(personas, client_for):
    Marble.objects.create(
        organization=personas.org,
        team=personas.team,
        act_key="manual:1",
        act="offline",
        response="offline",
        created_at=timezone.now() - timedelta(days=400),
    )
    member = client_for("member")
    six = member.get(url(personas.team)).context
    assert six["period"].months == 6 and six["figures"].marbles == 0
    year = member.get(url(personas.team, 24)).context
    assert year["figures"].marbles == 1
    assert len(year["figures"].months) == 25
    # An unknown choice falls back to the default rather than failing.
    assert member.get(url(personas.team) + "?months=abc").context["period"].months == 6
    # The summary is written only when asked for: the page links to it.
    assert "markdown" not in six
    page = member.get(url(personas.team)).content.decode()
    assert f'data-copy-url="{markdown_url(personas.team, 6)}"' in page
    assert f'href="{markdown_url(personas.team, 6)}"' in page
    response = member.get(markdown_url(personas.team, 6))
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    markdown = response.content.decode()
    assert markdown.startswith(f"# {personas.team.name}: insights from ")
    quarters = six["period"].quarters()
    assert markdown.count("\n## Q") == len(quarters)
    year_, q, _first, _after = quarters[-1]
    assert f"## Q{q} {year_}" in markdown
    assert "No marble dropped in this period." in markdown


def test_query_count_is_flat(personas, client_for, django_assert_num_queries):
    member = client_for("member")
    member.get(url(personas.team))  # warm the session and caches
    with django_assert_num_queries(8):
        member.get(url(personas.team))
    with django_assert_num_queries(8):  # the quarter summary: no page around it
        member.get(markdown_url(personas.team, 6))
    period = period_of(24)
    seed_rows(personas, period, random.Random(3))
    set_k(personas.org, 3)
    for values in ([4, 5, 4], [5, 6, 5], [6, 6, 7]):
        pulse_answered_by(
            personas.lead, personas.team, [personas.lead, personas.member, personas.member2], values
        )
    with django_assert_num_queries(8):
        member.get(url(personas.team, 24))
    # The quarter summary reads the same figures, once, whatever the period.
    with django_assert_num_queries(8):
        member.get(markdown_url(personas.team, 24))
