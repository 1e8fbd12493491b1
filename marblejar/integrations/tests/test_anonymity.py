"""What leaves Marblejar never says who, where Marblejar itself would not.

Cracks never leave at all; an anonymous review's notes and a marble's people
never leave; a pulse below its minimum group size leaves without a number.
Every test subscribes a Slack channel and a signed webhook to every event and
looks at the bodies the receivers actually got.
"""

from __future__ import annotations

import pytest

from marblejar.integrations.events import EVENTS
from marblejar.integrations.models import Delivery
from marblejar.integrations.services import broadcast
from marblejar.integrations.tests.helpers import integration, run_worker
from marblejar.integrations.tests.receivers import receiver
from marblejar.jar.services import crack_acknowledge
from marblejar.jar.tests.helpers import crack_released
from marblejar.pulse import services as pulse_services
from marblejar.pulse.tests.factories import open_pulse, safe_answers
from marblejar.reflections.services import reaction_add, reflection_create
from marblejar.reviews import services as review_services
from marblejar.reviews.models import Phase
from marblejar.reviews.tests.helpers import advance_to, schedule

pytestmark = pytest.mark.django_db(transaction=True)


def names(p) -> list[str]:
    people = (p.lead, p.member, p.member2)
    return [u.display_name for u in people] + [u.email for u in people]


def everything_received(p, act) -> list[str]:
    with receiver() as slack, receiver() as hook:
        integration(p, "slack", slack.url)
        integration(p, "webhook", hook.url)
        act()
        run_worker()
    return [r.body.decode() for r in slack.received + hook.received]


def test_cracks_never_leave_marblejar(personas):
    def act():
        crack = crack_released(actor=personas.member, team=personas.team, text="Talked over.")
        crack_acknowledge(actor=personas.lead, crack=crack, response="I will listen.")

    assert everything_received(personas, act) == []
    assert not Delivery.objects.exists()
    assert not any("crack" in event for event in EVENTS)
    with pytest.raises(ValueError):
        broadcast(team=personas.team, event="crack.reported", payload={})


def test_an_anonymous_review_leaves_without_a_note_or_a_name(personas):
    def act():
        review = schedule(personas, anonymous=True)
        advance_to(review, Phase.REFLECT, by=personas.lead)
        review_services.note_add(
            actor=personas.member, review=review, column="puzzled", text="SECRET-NOTE by Max"
        )
        advance_to(review, Phase.CLOSED, by=personas.lead)

    bodies = everything_received(personas, act)
    # Scheduled, started, closed, and the marble of the lead who went first, in each.
    assert len(bodies) == 8
    for body in bodies:
        assert "SECRET-NOTE" not in body
        assert not [name for name in names(personas) if name in body], body


def test_a_marble_leaves_as_the_act_never_who_took_the_risk_or_responded(personas):
    def act():
        reflection = reflection_create(
            author=personas.member,
            team=personas.team,
            kind="help",
            title="Help with the migration",
            body="I am stuck.",
            publish=True,
        )
        reaction_add(user=personas.member2, reflection=reflection, kind="help")

    bodies = everything_received(personas, act)
    marbles = [b for b in bodies if "marble.dropped" in b or "A marble in" in b]
    assert len(marbles) == 2
    for body in marbles:
        assert not [name for name in names(personas) if name in body], body
        assert "asked for help" in body


def test_pulse_results_below_the_minimum_leave_without_a_number(personas):
    def act():
        pulse = open_pulse(personas.lead, personas.team, k=5)
        for person in (personas.lead, personas.member, personas.member2):
            pulse_services.pulse_answer(actor=person, pulse=pulse, values=safe_answers(pulse, 2))
        pulse_services.pulse_close(pulse=pulse, actor=personas.lead)
        pulse_services.pulse_respond(actor=personas.lead, pulse=pulse, heard="H", plan="P")

    bodies = everything_received(personas, act)
    published = [b for b in bodies if "are published" in b]
    assert len(published) == 2
    for body in published:
        assert "Too few people answered" in body
        assert "on a scale of" not in body and '"mean"' not in body
    webhook = next(b for b in published if '"schema"' in b)
    assert '"results_shown":false' in webhook and '"score":null' in webhook
