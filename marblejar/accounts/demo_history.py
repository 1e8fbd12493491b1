"""Six months of the demo organization's life, so that insights have a true story to tell.

Platform's story, month by month, next to its pulses (``marblejar/pulse/demo.py``):
in June Ada goes first with her TLS mistake; a DNS outage in July gets
the team's first blameless debrief, whose actions ("pair on every
incident") are done and checked; members start to share their own
mistakes and ask for help, marbles drop more often, and the safety check
at the start of each review climbs from 3 to 5. Product has a shorter
history: a retrospective and a few marbles.

Reflections and responses go through the services (so marbles drop the
way they do for real) and are then moved back to when they happened;
reviews are written as they stand once closed, with their revealed safety
check and their actions: running every phase of a dozen reviews through
the board would make ``marblejar demo`` slow for nothing it shows.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from django.utils import timezone

from marblejar.jar.models import Marble
from marblejar.reviews.models import Action, ActionEvent, Kind, Phase, Review, Theme
from marblejar.teams.models import Team

# (days ago, author, kind, title, texts, [(days later, responder, reaction, comment)])
REFLECTIONS: list[tuple[int, str, str, str, dict[str, str], list[tuple[int, str, str, str]]]] = [
    (
        150,
        "chloe",
        "help",
        "How do you read the on-call dashboard?",
        {"body": "I keep missing the panel that matters. Could someone show me theirs?"},
        [(1, "jonas", "help", "Sure: I will walk you through mine on Friday.")],
    ),
    (
        118,
        "ada",
        "lesson",
        "What the DNS outage taught me about asking for help",
        {
            "body": "I tried to fix the resolver alone for forty minutes before I called "
            "anyone. Next time I ask in the first ten."
        },
        [(0, "ines", "thanks", ""), (1, "dev", "learned", "")],
    ),
    (
        96,
        "ben",
        "mistake",
        "I deleted the staging queue instead of draining it",
        {
            "what_happened": "I ran the cleanup against the wrong queue and lost a day of "
            "test messages.",
            "correction": "I told the team in the channel at once and replayed what I could.",
            "learned": "Our scripts accept any queue name without asking.",
            "next_try": "A dry run by default, and the name typed twice.",
        },
        [(0, "ada", "thanks", "Thank you for saying so straight away; that saved us hours.")],
    ),
    (
        80,
        "ines",
        "learning",
        "Writing Terraform modules",
        {"skill": "Terraform modules", "body": "Practising on the DNS module; slow going."},
        [(2, "ada", "help", "")],
    ),
    (
        62,
        "ada",
        "mistake",
        "I approved the migration without reading the rollback plan",
        {
            "what_happened": "The migration had no way back, and I signed it off anyway.",
            "correction": "We wrote the rollback together before running it.",
            "learned": "I skim when I trust the author; that is exactly when to read.",
            "next_try": "Rollback first, in every migration review.",
        },
        [(0, "chloe", "me_too", ""), (1, "ben", "learned", "")],
    ),
    (
        45,
        "dev",
        "help",
        "Can someone pair with me on the flaky deploy test?",
        {"body": "Two days in and I still cannot make it fail on purpose."},
        [(0, "jonas", "help", "I have an hour after lunch.")],
    ),
    (
        30,
        "jonas",
        "mistake",
        "I paged the whole team for a disk alert that could wait",
        {
            "what_happened": "A warning at 3 a.m. and I paged everyone.",
            "correction": "I apologised in the morning and we moved the alert to working hours.",
            "learned": "I did not know which alerts are urgent; nobody had told me.",
            "next_try": "An urgency line in every alert's runbook.",
        },
        [(0, "ines", "thanks", ""), (1, "ada", "learned", "")],
    ),
    (
        18,
        "chloe",
        "lesson",
        "Asking early is faster",
        {"body": "Three times this month a question in the channel saved me an afternoon."},
        [(1, "dev", "me_too", "")],
    ),
    (
        9,
        "ada",
        "learning",
        "Saying 'I don't know' in planning",
        {"skill": "Saying 'I don't know'", "body": "Practising it out loud in every planning."},
        [(0, "ben", "thanks", "")],
    ),
]

# (days ago, dropped by, named, what happened): marbles dropped by hand after stand-ups.
MARBLES = [
    (140, "ada", "jonas", "Jonas admitted in stand-up he had not tested the failover."),
    (100, "chloe", "dev", "Dev showed his half-finished dashboard and asked what was missing."),
    (75, "ines", "ben", "Ben asked for a second pair of eyes before the certificate rotation."),
    (70, "ada", "chloe", "Chloé said she was stuck on the alerting rules and asked for help."),
    (52, "jonas", "ines", "Ines showed her first Terraform module to the team, bugs and all."),
    (38, "dev", "ada", "Ada said in planning that she did not know how long the migration takes."),
    (33, "ben", "chloe", "Chloé owned up to a missed handover and asked how to avoid it."),
    (24, "ines", "dev", "Dev asked for help on the flaky test in the team channel."),
    (15, "chloe", "jonas", "Jonas shared a draft runbook before it was ready."),
    (12, "ada", "ben", "Ben said he did not understand the new deploy flow and asked."),
    (6, "dev", "ines", "Ines admitted she had skipped a step of the checklist."),
]

# Platform's reviews: (days ago, kind, title, safety answers revealed, [themes], [actions]).
# An action: (title, owner, status, days to done, check result, check note).
REVIEWS: list[dict[str, Any]] = [
    {
        "ago": 125,
        "kind": Kind.INCIDENT,
        "title": "DNS outage debrief",
        "safety": {"2": 2, "3": 2, "4": 2},
        "themes": ["Nobody knew who owned the resolver", "Fixing alone for too long"],
        "actions": [
            (
                "Pair on every incident",
                "ada",
                "done",
                9,
                "worked",
                "Three incidents since, none handled alone; the last one was fixed in half "
                "the time.",
            ),
            ("Write down who owns the resolver", "jonas", "done", 5, "worked", ""),
        ],
    },
    {
        "ago": 95,
        "kind": Kind.RETROSPECTIVE,
        "title": "Summer retrospective",
        "safety": {"3": 3, "4": 2, "2": 1},
        "themes": ["Deploy freeze confusion", "Cleanup scripts without a dry run"],
        "actions": [
            (
                "Put the deploy freeze dates in the team calendar",
                "chloe",
                "done",
                14,
                "partly",
                "Fewer surprises, but the calendar was not updated for the second freeze.",
            ),
            ("Add a dry run to every cleanup script", "ben", "done", 20, "", ""),
        ],
    },
    {
        "ago": 64,
        "kind": Kind.RETROSPECTIVE,
        "title": "September retrospective",
        "safety": {"3": 1, "4": 3, "5": 2},
        "themes": ["Migrations without a rollback", "Deploy freeze dates missed again"],
        "actions": [
            (
                "Rollback plan first in every migration review",
                "ada",
                "done",
                6,
                "worked",
                "Every migration since had its rollback written before it ran.",
            ),
            ("Weekly demo of work in progress", None, "dropped", 0, "", ""),
        ],
    },
    {
        "ago": 34,
        "kind": Kind.RETROSPECTIVE,
        "title": "October retrospective",
        "safety": {"4": 3, "5": 3},
        "themes": ["Alerts that wake people for nothing", "Help is hard to ask for when busy"],
        "actions": [
            ("An urgency line in every alert's runbook", "jonas", "done", 12, "", ""),
            ("A 'help wanted' minute at the end of stand-up", "ada", "doing", 0, "", ""),
        ],
    },
    {
        "ago": 5,
        "kind": Kind.RETROSPECTIVE,
        "title": "November retrospective",
        "safety": {"4": 2, "5": 4},
        "themes": ["Handovers between time zones"],
        "actions": [
            ("Rotate the on-call handover to Monday mornings", "dev", "open", 0, "", ""),
        ],
    },
]


def _people(organization_id: int) -> dict[str, Any]:
    from marblejar.accounts.models import User

    return {u.email.split("@")[0]: u for u in User.objects.filter(organization_id=organization_id)}


def seed_history(*, teams: dict[str, Team], now: datetime) -> None:
    team = teams["platform"]
    people = _people(team.organization_id)
    _reflections(team, people, now)
    _marbles(team, people, now)
    _reviews(team, people, now)
    _product(teams["product"], _people(team.organization_id), now)


def _reflections(team: Team, people: dict[str, Any], now: datetime) -> None:
    from marblejar.reflections.models import Comment, Reaction, Reflection
    from marblejar.reflections.services import comment_create, reaction_add, reflection_create

    for ago, author, kind, title, texts, responses in REFLECTIONS:
        at = now - timedelta(days=ago, hours=3)
        reflection = reflection_create(
            author=people[author], team=team, kind=kind, title=title, publish=True, **texts
        )
        Reflection.objects.filter(pk=reflection.pk).update(
            created_at=at, updated_at=at, published_at=at
        )
        for later, responder, reaction, comment in responses:
            if reaction:
                reaction_add(user=people[responder], reflection=reflection, kind=reaction)
            if comment:
                comment_create(author=people[responder], reflection=reflection, body=comment)
            answered = at + timedelta(days=later, hours=2)
            Reaction.objects.filter(reflection=reflection).update(created_at=answered)
            Comment.objects.filter(reflection=reflection).update(created_at=answered)
            Marble.objects.filter(reflection=reflection).update(created_at=answered)


def _marbles(team: Team, people: dict[str, Any], now: datetime) -> None:
    from marblejar.jar.services import marble_drop_by_hand

    for ago, dropper, named, description in MARBLES:
        marble = marble_drop_by_hand(
            actor=people[dropper], team=team, description=description, named_user=people[named]
        )
        at = now - timedelta(days=ago, hours=5)
        Marble.objects.filter(pk=marble.pk).update(created_at=at, named_seen_at=at)


def _reviews(team: Team, people: dict[str, Any], now: datetime) -> None:
    lead = people["ada"]
    for spec in REVIEWS:
        held = now - timedelta(days=spec["ago"])
        review = Review.objects.create(
            organization_id=team.organization_id,
            team=team,
            kind=spec["kind"],
            title=spec["title"],
            purpose="Learn from the last weeks together, without blame.",
            agenda="Check-in, open actions, go first, reflect, group, vote, discuss, actions.",
            intent="We believe everyone did the best they could with what they knew.",
            template_name="Went well / to improve",
            columns=[],
            facilitator=lead,
            scheduled_for=held,
            phase=Phase.CLOSED,
            phase_changed_at=held + timedelta(hours=1),
            safety_counts=spec["safety"],
            safety_shown=spec["safety"],
            created_by=lead,
            created_at=held - timedelta(days=3),
            closed_at=held + timedelta(hours=1),
            closed_from=Phase.ACTIONS,
        )
        themes = [
            Theme.objects.create(
                organization_id=team.organization_id, review=review, title=title, position=i
            )
            for i, title in enumerate(spec["themes"])
        ]
        for i, (title, owner, status, days, result, note) in enumerate(spec["actions"]):
            created = held + timedelta(hours=1)
            done_at = created + timedelta(days=days) if status == "done" else None
            due_on = (created + timedelta(days=max(days, 14))).date()
            check_on = due_on + timedelta(days=14)
            today = now.date()
            # Answered the morning Marblejar asked: on the check date.
            asked = timezone.make_aware(datetime.combine(check_on, time(10)))
            checked_at = asked if result and done_at and asked <= now else None
            action = Action.objects.create(
                organization_id=team.organization_id,
                team=team,
                review=review,
                theme=themes[min(i, len(themes) - 1)],
                title=title,
                owner=people[owner] if owner else None,
                due_on=due_on,
                expected_effect="We see the difference in the next review.",
                check_on=check_on,
                status=status,
                status_note="It clashed with planning every week." if status == "dropped" else "",
                done_at=done_at,
                check_result=result,
                check_note=note,
                checked_at=checked_at,
                # Dates already past were told and asked about at the time: the
                # nightly run must not tell them again today. Those still to come
                # are told when they come.
                due_told_for=due_on if due_on <= today else None,
                check_asked_for=check_on if check_on <= today else None,
                created_by=lead,
                created_at=created,
                updated_at=checked_at or done_at or created,
            )
            events = [
                ActionEvent(
                    organization_id=team.organization_id,
                    action=action,
                    kind="created",
                    actor=lead,
                    at=created,
                )
            ]
            if done_at:
                events.append(
                    ActionEvent(
                        organization_id=team.organization_id,
                        action=action,
                        kind="status",
                        status="done",
                        actor=action.owner,
                        at=done_at,
                    )
                )
            if checked_at:
                events.append(
                    ActionEvent(
                        organization_id=team.organization_id,
                        action=action,
                        kind="checked",
                        result=result,
                        note=note,
                        actor=action.owner or lead,
                        at=checked_at,
                    )
                )
            ActionEvent.objects.bulk_create(events)


def _product(team: Team, people: dict[str, Any], now: datetime) -> None:
    held = now - timedelta(days=40)
    Review.objects.create(
        organization_id=team.organization_id,
        team=team,
        kind=Kind.RETROSPECTIVE,
        title="Onboarding survey retrospective",
        purpose="What we learned from shipping the survey.",
        agenda="Check-in, reflect, group, vote, discuss, actions.",
        intent="We believe everyone did the best they could with what they knew.",
        template_name="Went well / to improve",
        columns=[],
        facilitator=people["eva"],
        scheduled_for=held,
        phase=Phase.CLOSED,
        safety_counts={"3": 2, "4": 2},
        safety_shown={"3": 2, "4": 2},
        created_by=people["eva"],
        created_at=held - timedelta(days=2),
        closed_at=held + timedelta(hours=1),
        closed_from=Phase.ACTIONS,
    )
    Action.objects.create(
        organization_id=team.organization_id,
        team=team,
        title="Ask support before every survey",
        owner=people["eva"],
        expected_effect="No survey question that support could have answered.",
        status="done",
        done_at=held + timedelta(days=10),
        created_at=held + timedelta(hours=1),
    )
