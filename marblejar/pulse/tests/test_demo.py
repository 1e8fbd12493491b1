"""The demo organization's six months of pulses tell a story, through the real services."""

from __future__ import annotations

import html
import io

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from marblejar.accounts.models import User
from marblejar.pulse.models import Pulse, PulseResult, Status
from marblejar.teams.models import Membership

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(db):
    call_command("demo", stdout=io.StringIO())
    return {u.email.split("@")[0]: u for u in User.objects.all()}


def as_user(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_platform_has_six_months_of_monthly_pulses_the_last_published_with_a_response(demo):
    pulses = list(Pulse.objects.filter(team__slug="platform").order_by("opens_at"))
    assert [p.status() for p in pulses] == [Status.PUBLISHED] * 6 + [Status.SCHEDULED]
    first, *_middle, latest, scheduled = pulses
    assert (latest.closes_at - first.opens_at).days >= 150
    assert latest.has_response and not latest.published_without_response
    # Everyone answered as a member of the team, which they were before it opened.
    team = set(Membership.objects.filter(team__slug="platform").values_list("user_id", flat=True))
    for pulse in pulses[:-1]:
        assert set(pulse.members_at_open) == team
        assert pulse.counted == pulse.participant_count
    shown = [PulseResult.objects.get(pulse=p).is_shown for p in pulses[:-1]]
    assert shown == [True, True, True, False, True, True]  # one month, too few answered
    means = [PulseResult.objects.get(pulse=p).mean for p in pulses[:-1]]
    assert means[-1] > means[0] + 1  # the story: safety rose
    assert scheduled.opens_at > latest.closes_at


def test_the_demo_pages_show_the_latest_score_and_its_story(demo):
    client = as_user(demo["ben"])
    team_page = html.unescape(client.get(reverse("teams:detail", args=["platform"])).text)
    assert "score-number" in team_page and "across 5 pulses with results" in team_page
    latest = Pulse.objects.filter(team__slug="platform", published_at__isnull=False).latest(
        "opens_at"
    )
    page = html.unescape(client.get(reverse("pulse:results", args=["platform", latest.pk])).text)
    assert "6 of 6 people answered (100%)." in page
    assert "What I hear" in page and "help wanted" in page
    assert "Asking for help" in page
    # Product has four people: its lead is warned before scheduling anything.
    form = html.unescape(as_user(demo["eva"]).get(reverse("pulse:create", args=["product"])).text)
    assert "Product has 4 people, fewer than the minimum of 5" in form
