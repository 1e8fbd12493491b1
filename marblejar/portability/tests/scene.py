"""A team with some of everything, for the export tests.

Pulses are answered and closed through the pulse services (the results are
real); the rest is written as the apps store it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.utils import timezone

from marblejar.jar.models import Act, Crack, Marble, Response
from marblejar.pulse.models import Instrument, Pulse, PulseSettings
from marblejar.pulse.services import pulse_answer, pulse_close, pulse_schedule
from marblejar.reflections.models import (
    Comment,
    Kind,
    PracticeEntry,
    Reaction,
    Reflection,
    ReflectionTag,
    Status,
    Tag,
)
from marblejar.reviews.models import (
    Action,
    ActionEvent,
    Finding,
    GoFirst,
    IntentStatement,
    Note,
    Participant,
    Phase,
    Question,
    Review,
    ReviewTemplate,
    Theme,
    TimelineEvent,
)
from marblejar.test import Personas

COLUMNS = [{"key": "well", "title": "Went well"}, {"key": "better", "title": "Do better"}]


@dataclass
class Scene:
    personas: Personas
    shown_pulse: Pulse
    hidden_pulse: Pulse
    anonymous_review: Review
    private_review: Review


def answers(pulse: Pulse, value: int) -> dict[str, int]:
    return {item["key"]: value for item in pulse.items}


def make_scene(p: Personas, *, anonymous_writers: tuple[str, ...] = ("member", "member2")) -> Scene:
    org, team = p.org, p.team
    now = timezone.now()
    PulseSettings.objects.update_or_create(
        organization=org, defaults={"min_group_size": 3, "min_comment_group_size": 3}
    )

    # Pulses: one with three answers (shown at k=3), one with two (never shown).
    shown_pulse, hidden_pulse = (
        pulse_schedule(
            actor=p.lead,
            team=team,
            instrument="psychological_safety",
            opens_at=now - timedelta(hours=1),
            closes_at=now + timedelta(days=7),
            min_group_size=3,
            min_comment_group_size=3,
        )
        for _ in range(2)
    )
    for user, value, comment in [
        (p.lead, 6, "We listen."),
        (p.member, 3, "Mistakes are held against you."),
        (p.member2, 5, ""),
    ]:
        pulse_answer(
            actor=user, pulse=shown_pulse, values=answers(shown_pulse, value), comment=comment
        )
    for user in (p.member, p.member2):
        pulse_answer(
            actor=user, pulse=hidden_pulse, values=answers(hidden_pulse, 2), comment="Only two."
        )
    pulse_close(pulse=shown_pulse, actor=p.lead)
    pulse_close(pulse=hidden_pulse, actor=p.lead)
    shown_pulse.refresh_from_db()
    hidden_pulse.refresh_from_db()
    Instrument.objects.create(
        organization=org,
        team=team,
        name="Focus",
        low_label="Never",
        high_label="Always",
        items=[{"key": "q1", "text": "I can focus.", "reverse": False}],
        created_by=p.lead,
    )

    # Reflections, with a comment, a reaction, a tag, practice and an update.
    tag = Tag.objects.create(organization=org, name="deploys")
    learning = Reflection.objects.create(
        organization=org,
        team=team,
        author=p.member,
        kind=Kind.LEARNING,
        status=Status.PUBLISHED,
        title="Learning Terraform",
        body="Modules first.",
        skill="Terraform",
        published_at=now,
    )
    update = Reflection.objects.create(
        organization=org,
        team=team,
        author=p.member,
        parent=learning,
        kind=Kind.UPDATE,
        status=Status.PUBLISHED,
        title="Week two",
        body="State files.",
        published_at=now,
    )
    Reflection.objects.create(
        organization=org,
        team=team,
        author=p.member2,
        kind=Kind.MISTAKE,
        status=Status.DRAFT,
        title="A draft nobody else has read",
    )
    ReflectionTag.objects.create(organization=org, reflection=learning, tag=tag)
    comment = Comment.objects.create(
        organization=org,
        reflection=learning,
        author=p.lead,
        body="Happy to pair.",
        offers_help=True,
    )
    Comment.objects.create(
        organization=org,
        reflection=learning,
        author=p.member2,
        body="A comment the author hid.",
        hidden_at=now,
    )
    Reaction.objects.create(organization=org, reflection=learning, user=p.member2, kind="thanks")
    PracticeEntry.objects.create(
        organization=org, reflection=learning, practised_on=date(2026, 11, 2), minutes=30
    )
    Marble.objects.create(
        organization=org,
        team=team,
        act_key=f"reflection:{learning.pk}",
        act=Act.LEARNING,
        act_by=p.member,
        response_by=p.lead,
        response=Response.OFFER,
        reflection=learning,
    )
    Marble.objects.create(
        organization=org,
        team=team,
        act_key="manual:0123456789abcdef",
        act=Act.OFFLINE,
        act_by=p.member2,
        response_by=p.member,
        response=Response.OFFLINE,
        description="Asked for help in stand-up.",
        dropped_by=p.member,
    )
    del update

    # Cracks: one the reporter let the team read, one only the leads may read.
    Crack.objects.create(
        organization=org, team=team, text="Interrupted again.", share_text=True, comment=comment
    )
    Crack.objects.create(
        organization=org,
        team=team,
        text="Only for the leads.",
        acknowledged_at=now,
        acknowledged_by=p.lead,
        response="We will talk about interruptions.",
    )

    # Reviews: an anonymous one, closed after the reveal; one still private.
    IntentStatement.objects.create(
        organization=org, team=team, text="We assume good intent.", updated_by=p.lead
    )
    ReviewTemplate.objects.create(
        organization=org, team=team, name="Our retro", columns=COLUMNS, created_by=p.lead
    )
    anonymous_review = make_review(p, title="Sprint 12", anonymous=True, phase=Phase.CLOSED)
    anonymous_review.safety_counts = {"4": 2, "5": 1}
    anonymous_review.roti_counts = {"3": 3}
    anonymous_review.closed_at = now
    theme = Theme.objects.create(
        organization=org, review=anonymous_review, title="Interruptions", vote_count=4
    )
    anonymous_review.spotlight = theme
    anonymous_review.save()
    for name in ("lead", "member", "member2"):
        Participant.objects.create(organization=org, review=anonymous_review, user=p.get(name))
    GoFirst.objects.create(
        organization=org,
        review=anonymous_review,
        author=p.lead,
        part="I merged late.",
        revisit="Skipping the review.",
    )
    event = TimelineEvent.objects.create(
        organization=org, review=anonymous_review, happened_at=now, what="Deploy failed."
    )
    # Written in this order on purpose: the export must not keep it.
    for writer, text, column in zip(
        anonymous_writers,
        ["Zebra crossing of tasks.", "Alerts too noisy."],
        ["better", "better"],
        strict=True,
    ):
        del writer  # anonymous: who wrote it is not stored once the review closed
        Note.objects.create(
            organization=org, review=anonymous_review, column=column, text=text, theme=theme
        )
    Note.objects.create(
        organization=org, review=anonymous_review, timeline_event=event, text="Pager went off."
    )
    Finding.objects.create(
        organization=org, review=anonymous_review, theme=theme, kind="finding", text="Too many."
    )
    question = Question.objects.create(
        organization=org,
        review=anonymous_review,
        theme=theme,
        text="Who owns alerts?",
        intent="To know whom to ask.",
        answer="Ops.",
        answered_by=p.lead,
    )
    Marble.objects.create(
        organization=org,
        team=team,
        act_key=f"review:{anonymous_review.pk}:question:{question.pk}",
        act=Act.QUESTION,
        act_by=None,  # asked in an anonymous review
        response_by=p.lead,
        response=Response.THANKS,
    )
    private_review = make_review(p, title="Sprint 13", anonymous=False, phase=Phase.REFLECT)
    Note.objects.create(
        organization=org,
        review=private_review,
        column="well",
        text="Not revealed yet.",
        author=p.member,
        created_at=now,
    )
    action = Action.objects.create(
        organization=org,
        team=team,
        review=anonymous_review,
        theme=theme,
        title="Tune alerts",
        owner=p.member2,
        due_on=date(2026, 12, 20),
        expected_effect="Fewer pages.",
        created_by=p.lead,
    )
    ActionEvent.objects.create(organization=org, action=action, kind="created", actor=p.lead)
    return Scene(
        personas=p,
        shown_pulse=shown_pulse,
        hidden_pulse=hidden_pulse,
        anonymous_review=anonymous_review,
        private_review=private_review,
    )


def make_review(p: Personas, **fields: Any) -> Review:
    return Review.objects.create(
        organization=p.org,
        team=p.team,
        purpose="Learn from the sprint.",
        agenda="Check-in, notes, themes, actions.",
        intent="We assume good intent.",
        template_name="Our retro",
        columns=COLUMNS,
        facilitator=p.lead,
        created_by=p.lead,
        **fields,
    )
