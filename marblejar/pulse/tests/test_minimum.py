"""A team smaller than the minimum is told so, when scheduling and while the pulse runs."""

from __future__ import annotations

import html
import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from marblejar.pulse import services
from marblejar.pulse.models import Pulse
from marblejar.pulse.tests.factories import add_members, answers_for, open_pulse, set_k

pytestmark = pytest.mark.django_db

CREATE = reverse("pulse:create", args=["platform"])
LIST = reverse("pulse:list", args=["platform"])
TEAM = reverse("teams:detail", args=["platform"])
CANNOT = "Fewer people are in the team than this pulse's minimum of 5; results will not be shown."


def text(response) -> str:
    return html.unescape(response.content.decode())


def form_data(**changes) -> dict[str, str]:
    now = timezone.localtime()
    return {
        "instrument": "psychological_safety",
        "opens_at": (now - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M"),
        "closes_at": (now + timedelta(days=5)).strftime("%Y-%m-%dT%H:%M"),
        "cadence": "once",
        "min_group_size": "5",
        "min_comment_group_size": "5",
    } | changes


def test_the_schedule_form_warns_a_small_team_at_once_and_says_how_to_change_it(
    personas, client_for
):
    # Platform has three people; the organization's minimum is 5.
    page = text(client_for("lead").get(CREATE))
    assert (
        "Platform has 3 people, fewer than the minimum of 5 people a pulse's results need, "
        "so this pulse's results would not be shown." in page
    )
    assert "add people to the team before the pulse opens, or ask an organization admin" in page
    # An organization admin is told where to lower it themselves.
    personas.lead.is_org_admin = True
    personas.lead.save(update_fields=["is_org_admin"])
    page = text(client_for("lead").get(CREATE))
    assert "lower the organization's minimum on Organization → Pulses across teams" in page


def test_a_team_large_enough_is_not_warned(personas, client_for):
    add_members(personas.team, personas.org, 2)
    assert "team-size-warning" not in text(client_for("lead").get(CREATE))
    # ... unless the lead asks for more people than there are.
    response = client_for("lead").post(CREATE, form_data(min_group_size="8"), follow=True)
    page = text(response)
    assert "The pulse “Psychological safety” is scheduled." in page
    assert "Platform has 5 people, fewer than the minimum of 8 people" in page
    assert "choose a smaller minimum for this pulse (your organization's is 5)" in page


def test_the_api_warns_when_it_schedules_for_a_small_team(personas, client_for):
    now = timezone.now()
    response = client_for("lead").post(
        "/api/v1/teams/platform/pulses",
        json.dumps(
            {"opens_at": now.isoformat(), "closes_at": (now + timedelta(days=3)).isoformat()}
        ),
        content_type="application/json",
    )
    assert response.status_code == 201
    [warning] = response.json()["warnings"]
    assert warning.startswith("Platform has 3 people, fewer than the minimum of 5")
    assert "To change it" in warning
    listed = client_for("member").get("/api/v1/teams/platform/pulses").json()
    assert listed[0]["warnings"] == [CANNOT]


def test_members_of_a_pulse_that_cannot_reach_its_minimum_are_told_so(personas, client_for):
    pulse = open_pulse(personas.lead, personas.team)
    for name in ("member", "member2"):
        for url in (LIST, TEAM, reverse("pulse:answer", args=["platform", pulse.pk])):
            assert CANNOT in text(client_for(name).get(url)), (name, url)
    services.pulse_answer(actor=personas.member, pulse=pulse, values=answers_for(pulse, 5))
    services.pulse_close(pulse=pulse, actor=personas.lead)
    page = text(client_for("member").get(LIST))
    assert (
        "Fewer people answered than this pulse's minimum of 5; results will not be shown." in page
    )
    assert "Your lead is reading the results" not in page
    waiting = text(client_for("member").get(reverse("pulse:results", args=["platform", pulse.pk])))
    assert "results will not be shown" in waiting
    assert "The lead reads the results first" not in waiting


def test_a_pulse_that_can_reach_its_minimum_says_the_lead_is_reading(personas, client_for):
    set_k(personas.org, 3)
    pulse = open_pulse(personas.lead, personas.team, k=3)
    assert "will not be shown" not in text(client_for("member").get(LIST))
    for user in (personas.member, personas.member2, personas.lead):
        services.pulse_answer(actor=user, pulse=pulse, values=answers_for(pulse, 5))
    services.pulse_close(pulse=pulse, actor=personas.lead)
    page = text(client_for("member").get(LIST))
    assert "Your lead is reading the results" in page and "will not be shown" not in page


def test_who_counts_is_fixed_when_the_pulse_opens(personas, client_for):
    # Three people when it opened: people who join later cannot make it reach 5.
    pulse = open_pulse(personas.lead, personas.team)
    add_members(personas.team, personas.org, 4)
    assert CANNOT in text(client_for("member").get(LIST))
    # A pulse that has not opened yet counts the team as it is now.
    later = Pulse.objects.create(
        organization=personas.org,
        team=personas.team,
        instrument_slug=pulse.instrument_slug,
        definition=pulse.definition,
        title="Later",
        opens_at=timezone.now() + timedelta(days=2),
        closes_at=timezone.now() + timedelta(days=5),
    )
    page = text(client_for("member").get(LIST))
    assert page.count("Fewer people are in the team than this pulse's minimum") == 1
    assert later.title in page
