"""The team page's reads, compiled once per connection, show what the services changed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import DEFAULT_DB_ALIAS, connections
from django.urls import reverse
from django.utils import timezone

from marblejar.pulse import services as pulse_services
from marblejar.pulse.models import Pulse
from marblejar.pulse.tests.factories import open_pulse
from marblejar.reflections import services as reflection_services
from marblejar.reflections.models import Kind
from marblejar.reviews import services as review_services
from marblejar.reviews.tests.helpers import schedule
from marblejar.teams.services import invitation_create

pytestmark = pytest.mark.django_db

URL = reverse("teams:detail", args=["platform"])

# Each read the team page prepares (a silent fallback to the ORM would only be slower).
COMPILED = (
    "team_people",
    "team_pending_invitations",
    "pulse_recent_answered",
    "pulse_latest_results",
    "reflections_recent",
    "reflections_recent_tags",
    "reflections_leads_shared",
    "reflections_last_shared",
    "reflections_drafts",
    "marble_notices",
    "team_page_reviews",
)


def test_every_read_of_the_team_page_is_compiled_and_each_visit_reads_again(personas, client_for):
    lead = client_for("lead")
    first = lead.get(URL).text
    assert "n@acme.test" not in first and "A compiled draft" not in first
    invitation_create(actor=personas.lead, team=personas.team, email="n@acme.test", send=False)
    reflection_services.reflection_create(
        author=personas.lead, team=personas.team, kind=Kind.LESSON, title="A compiled draft"
    )
    reflection_services.reflection_create(
        author=personas.lead,
        team=personas.team,
        kind=Kind.LESSON,
        title="A compiled lesson",
        body="Small reads add up.",
        learned="Small reads add up.",
        tags="compiled, reads",
        publish=True,
    )
    again = lead.get(URL).text
    assert "n@acme.test" in again and "A compiled draft" in again
    assert "A compiled lesson" in again
    assert 'class="tag">#compiled</a> · <a href="?tag=reads" class="tag">#reads</a>' in again
    prepared = connections[DEFAULT_DB_ALIAS].__dict__["marblejar_prepared"]
    for name in COMPILED:
        assert prepared.get(name), name
    team_reads = {k: v for k, v in prepared.items() if k.startswith("team_get:")}
    assert team_reads and all(team_reads.values())
    assert any(k.startswith("team_get:True:False:True") for k in team_reads)
    # Another reader of the same compiled reads gets their own: no lead tools, no draft.
    member = client_for("member").get(URL).text
    assert "n@acme.test" not in member and "A compiled draft" not in member


@pytest.mark.parametrize("days", [7, 2])
def test_the_team_page_publishes_results_past_the_response_period(
    personas, client_for, settings, days
):
    """The due check's time is a value of the compiled read; the period is part of its key."""
    settings.PULSE_RESPONSE_DAYS = days
    late, in_time = (open_pulse(personas.lead, personas.team) for _ in range(2))
    for pulse in (late, in_time):
        pulse_services.pulse_advance_due(now=pulse.closes_at + timedelta(minutes=1))
    now = timezone.now()
    for pulse, ago in ((late, days + 1), (in_time, days - 1)):
        Pulse.objects.filter(pk=pulse.pk).update(
            opens_at=now - timedelta(days=ago + 3),
            closes_at=now - timedelta(days=ago),
            closed_at=now - timedelta(days=ago),
        )
    assert client_for("member").get(URL).status_code == 200
    late.refresh_from_db()
    in_time.refresh_from_db()
    assert late.is_published and late.published_without_response
    assert not in_time.is_published


def test_the_review_list_reads_its_team_and_figures_compiled_and_fresh(personas, client_for):
    lead = client_for("lead")
    url = reverse("reviews:list", args=["platform"])
    assert "A compiled retrospective" not in lead.get(url).text
    prepared = connections[DEFAULT_DB_ALIAS].__dict__["marblejar_prepared"]
    reads = {k: v for k, v in prepared.items() if "review_list_figures" in k}
    assert reads and all(reads.values())
    # The count (the pager's) and the statement come with the team on every visit.
    schedule(personas, title="A compiled retrospective")
    review_services.intent_statement_update(
        actor=personas.lead, team=personas.team, text="We look at systems, not people."
    )
    again = lead.get(url).text
    assert "A compiled retrospective" in again
    assert "We look at systems, not people." in again
