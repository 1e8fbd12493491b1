"""Whether a team's pulses or reviews are due comes with the team, read by the page anyway.

A page that catches up (the team page, the pulse list and results, the review
list) reads the team with ``due=True``: when nothing is due, the catch-ups
cost no query; when something is, the page still closes it before showing it.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from marblejar.pulse import services as pulse_services
from marblejar.pulse.models import Pulse
from marblejar.pulse.tests.factories import open_pulse
from marblejar.reviews import services as review_services
from marblejar.reviews.models import Phase, Review
from marblejar.reviews.tests.helpers import advance_to, schedule
from marblejar.teams.selectors import team_get

pytestmark = pytest.mark.django_db


def async_review(personas, *, days: float) -> Review:
    review = schedule(personas, mode="async", open_until=timezone.now() + timedelta(days=days))
    return advance_to(review, Phase.REFLECT, by=personas.lead)


def test_nothing_due_costs_the_catch_ups_no_query(personas, django_assert_num_queries):
    open_pulse(personas.lead, personas.team)
    async_review(personas, days=2)
    team = team_get(user=personas.member, slug="platform", due=True)
    assert team.pulses_due is False and team.reviews_due is False
    with django_assert_num_queries(0):
        assert pulse_services.pulse_catch_up(team=team) is False
        assert review_services.review_catch_up(team=team) is False


def test_the_review_list_closes_a_review_past_its_time(personas, client_for):
    review = async_review(personas, days=2)
    Review.objects.filter(pk=review.pk).update(open_until=timezone.now() - timedelta(minutes=5))
    assert team_get(user=personas.member, slug="platform", due=True).reviews_due is True
    page = client_for("member").get(reverse("reviews:list", args=["platform"]))
    review.refresh_from_db()
    assert review.is_closed
    assert "closed on its own at its open-until time" in page.content.decode()


def test_the_pulse_list_closes_a_pulse_past_its_time(personas, client_for):
    pulse = open_pulse(personas.lead, personas.team)
    Pulse.objects.filter(pk=pulse.pk).update(closes_at=timezone.now() - timedelta(minutes=1))
    assert team_get(user=personas.member, slug="platform", due=True).pulses_due is True
    page = client_for("member").get(reverse("pulse:list", args=["platform"]))
    pulse.refresh_from_db()
    assert pulse.closed_at is not None
    assert "Was open from" in page.content.decode()


def test_the_review_list_counts_and_shows_the_teams_own_statement(personas, client_for):
    for n in range(3):
        schedule(personas, title=f"Retro {n}")
    client = client_for("lead")
    page = client.get(reverse("reviews:list", args=["platform"]))
    assert page.context["page"].paginator.count == 3
    default = page.context["intent"]
    assert default.startswith("We are here to learn, not to judge.")
    client.post(reverse("reviews:intent", args=["platform"]), {"text": "We are kind."})
    page = client.get(reverse("reviews:list", args=["platform"]))
    assert page.context["intent"] == "We are kind."
    # Another team's statement and reviews are not this team's.
    other = client_for("other").get(reverse("reviews:list", args=["product"]))
    assert other.context["page"].paginator.count == 0
    assert other.context["intent"] == default
