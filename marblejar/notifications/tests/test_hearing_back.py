"""Who hears back when: the person who went first, the person whose response dropped a
marble, and the leads when a crack arrives. Through the real services."""

from __future__ import annotations

import pytest

from marblejar.jar.tests.helpers import release_reports
from marblejar.notifications.models import Notification
from marblejar.reflections import services
from marblejar.reflections.tests.test_services import mistake
from marblejar.tests.fixtures import fast_password_hashing  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)


def heard(user) -> list[tuple[str, str]]:
    return [(n.kind, n.text) for n in Notification.objects.filter(recipient=user).order_by("id")]


def test_a_thank_you_tells_the_author_and_the_one_who_said_it(personas):
    reflection = mistake(personas)  # the lead goes first
    services.reaction_add(user=personas.member, reflection=reflection, kind="thanks")
    assert heard(personas.lead) == [
        (
            "reflection_reaction",
            "Max Member reacted “Thank you” to your reflection “I deployed on a Friday”.",
        ),
        (
            "reflection_marble",
            "Max Member said thank you when you shared “I deployed on a Friday”: the first "
            "respectful response, and a marble in Platform's jar.",
        ),
    ]
    assert heard(personas.member) == [
        (
            "response_marble",
            "You said thank you when Lena Lead shared “I deployed on a Friday”: that dropped a "
            "marble into Platform's jar.",
        )
    ]
    # A second response tells the author of it, but drops no second marble.
    services.comment_create(author=personas.member2, reflection=reflection, body="Thank you.")
    assert [k for k, _t in heard(personas.lead)][-1] == "reflection_comment"
    assert [k for k, _t in heard(personas.member2)] == []


def test_nobody_hears_about_their_own_response(personas):
    reflection = mistake(personas)
    services.comment_create(author=personas.lead, reflection=reflection, body="An update.")
    assert heard(personas.lead) == []


def test_the_leads_hear_of_a_crack_the_next_day_and_nobody_hears_who(personas):
    from marblejar.jar import services as jar_services

    jar_services.crack_report(actor=personas.member, team=personas.team, text="Talked over")
    assert not Notification.objects.exists()
    release_reports()
    [told] = Notification.objects.all()
    assert told.recipient == personas.lead and told.kind == "cracks_waiting"
    assert "Platform" in told.text and "Max" not in told.text and "Talked" not in told.text
    assert heard(personas.member) == []
