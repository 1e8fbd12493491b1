"""The demo organization's team posts to Slack and Microsoft Teams on each event kind.

The demo's two integrations (paused, at placeholder addresses) are pointed at
receivers on loopback and resumed; then each event happens through the real
services, and the real worker delivers. Each receiver must get exactly one
well-formed post per kind.
"""

from __future__ import annotations

import io
from collections import Counter

import pytest
from django.core.management import call_command
from django.utils import timezone

from marblejar.accounts.management.commands.demo import DEMO_ORG
from marblejar.accounts.models import User
from marblejar.integrations import services
from marblejar.integrations.demo import SLACK_PLACEHOLDER, TEAMS_PLACEHOLDER
from marblejar.integrations.events import EVENTS
from marblejar.integrations.models import Integration, Kind
from marblejar.integrations.tests.helpers import run_worker
from marblejar.integrations.tests.receivers import receiver, slack_problems, teams_problems
from marblejar.pulse import services as pulse_services
from marblejar.pulse.tests.factories import open_pulse, safe_answers
from marblejar.reflections.services import reflection_create
from marblejar.reviews import services as review_services
from marblejar.reviews.models import Action, Phase
from marblejar.reviews.services.actions import action_reminders_due
from marblejar.reviews.tests.helpers import advance_to
from marblejar.teams.models import Membership, Team

pytestmark = pytest.mark.django_db(transaction=True)


def every_event_happens(team: Team, lead: User, people: list[User]) -> None:
    member = people[0]
    reflection_create(
        author=member,
        team=team,
        kind="lesson",
        title="Ask support first",
        body="They hear our users every day.",
        publish=True,
    )
    review = review_services.review_schedule(
        actor=lead,
        team=team,
        title="Release retrospective",
        purpose="Learn from the slipped release.",
        agenda="All phases.",
        template="builtin:went_well",
    )
    review_services.review_advance_phase(actor=lead, review=review)  # it starts
    # Closing it drops the marble of the lead who went first.
    advance_to(review, Phase.CLOSED, by=lead)
    pulse = open_pulse(lead, team, instrument="team_learning")
    run_worker()  # the pulse's clock opens it and tells the team
    for person in people:
        pulse_services.pulse_answer(actor=person, pulse=pulse, values=safe_answers(pulse, 4))
    pulse_services.pulse_close(pulse=pulse, actor=lead)
    pulse_services.pulse_respond(actor=lead, pulse=pulse, heard="I hear you.", plan="We pair.")
    action = Action.objects.create(
        organization_id=team.organization_id,
        team=team,
        title="Canary every rollout",
        expected_effect="No region-wide outage",
        owner=member,
        due_on=timezone.localdate(),
    )
    action_reminders_due()
    review_services.action_check(actor=member, action=action, result="worked")


def test_the_demo_team_posts_to_slack_and_teams_once_on_each_event_kind():
    call_command("demo", stdout=io.StringIO())
    team = Team.objects.get(organization__name=DEMO_ORG, slug="platform")
    demo = {i.kind: i for i in Integration.objects.filter(team=team)}
    # The demo set them up paused, at addresses that reach nobody.
    assert {k: (i.is_paused, i.url_hint) for k, i in demo.items()} == {
        Kind.SLACK: (True, f"hooks.slack.com …{SLACK_PLACEHOLDER[-4:]}"),
        Kind.TEAMS: (True, f"teams-workflow.example.invalid …{TEAMS_PLACEHOLDER[-4:]}"),
    }
    lead = User.objects.get(email="ada@demo.marblejar.org")
    people = [
        m.user
        for m in Membership.objects.filter(team=team).select_related("user").order_by("pk")
        if m.user_id != lead.pk
    ]
    # What the demo left waiting (its e-mails, actions already due) is done first.
    run_worker()
    action_reminders_due()

    with receiver() as slack, receiver() as teams:
        for kind, integration in demo.items():
            services.integration_update(
                actor=lead,
                integration=integration,
                name=integration.name,
                events=list(EVENTS),
                url=slack.url if kind == Kind.SLACK else teams.url,
            )
            services.integration_resume(actor=lead, integration=integration)
        every_event_happens(team, lead, people)
        run_worker()

    once_each = dict.fromkeys(EVENTS, 1)
    for hook, problems in ((slack, slack_problems), (teams, teams_problems)):
        assert Counter(r.headers["x-marblejar-event"] for r in hook.received) == once_each
        for post in hook.received:
            assert problems(post.json()) == [], post.headers["x-marblejar-event"]
    closed = next(r for r in teams.received if r.headers["x-marblejar-event"] == "review.closed")
    card = closed.json()["attachments"][0]["content"]
    assert card["actions"][0]["url"].endswith("/summary/")
