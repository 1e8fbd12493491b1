"""Each kind of act in the jar is told as what it was."""

from __future__ import annotations

from importlib import import_module

import pytest
from django.apps import apps as django_apps

from marblejar.jar.models import Act, Marble
from marblejar.jar.stories import marble_story
from marblejar.reviews import services as review_services
from marblejar.reviews.models import Phase
from marblejar.reviews.tests.helpers import advance_to, schedule

pytestmark = pytest.mark.django_db


def close_a_review(p, *, anonymous: bool = False, answered: bool = True):
    """A review where the lead goes first and Max asks a question Mia answers."""
    review = schedule(p, anonymous=anonymous) if anonymous else schedule(p)
    review_services.review_advance_phase(actor=p.lead, review=review)
    advance_to(review, Phase.DISCUSS, by=p.lead)
    theme = review.themes.get()
    question = review_services.question_ask(
        actor=p.member,
        theme=theme,
        text="What did the load test cover?",
        intent="I am asking because I want to reuse it.",
    )
    if answered:
        review_services.question_answer(actor=p.member2, question=question, answer="Logins.")
    advance_to(review, Phase.CLOSED, by=p.lead)
    return review


def history(client_for) -> str:
    page = client_for("member").get("/t/platform/jar/")
    assert page.status_code == 200
    return page.text


def test_a_leader_going_first_in_a_review_is_told_as_that_and_claims_no_response(
    personas, client_for
):
    close_a_review(personas, answered=False)
    marble = Marble.objects.get()
    assert marble.act == Act.GO_FIRST
    text = history(client_for)
    assert (
        "<strong>Lena Lead</strong> went first in a learning review: they wrote their own part "
        "before anyone else&#x27;s notes were shown."
    ) in text
    # Nobody answered it: no sentence says anyone did.
    assert "learned from it" not in text
    assert "A former teammate" not in text


def test_an_answered_question_is_told_as_a_question_and_its_answer(personas, client_for):
    close_a_review(personas)
    question = Marble.objects.get(act_key__contains=":question:")
    assert question.act == Act.QUESTION
    text = history(client_for)
    assert (
        "<strong>Max Member</strong> asked a question in a learning review and said why they "
        "were asking.<br>Mia Member answered it."
    ) in text
    assert "shared a lesson" not in text


def test_an_anonymous_review_s_marbles_name_nobody_and_invent_no_former_teammate(
    personas, client_for
):
    close_a_review(personas, anonymous=True)
    text = history(client_for)
    assert "<strong>Someone</strong> asked a question in a learning review" in text
    assert "Someone answered it." in text
    assert "A former teammate" not in text
    assert "Max Member" not in text and "Mia Member" not in text


def test_a_reflection_s_marble_still_names_the_reflection_and_the_response():
    story = marble_story(
        act="mistake",
        act_by="Lena <Lead>",
        response="thanks",
        response_by="",
        reflection_title="Wrong <config>",
        reflection_url="/reflections/7/",
    )
    assert story == [
        "Lena &lt;Lead&gt; shared a mistake and what they did to correct it: "
        '<a href="/reflections/7/">Wrong &lt;config&gt;</a>.',
        "A former teammate said thank you.",
    ]


def test_the_migration_names_marbles_reviews_dropped_before(personas):
    # Marbles stored before review acts had kinds of their own.
    def marble(act_key: str, act: str) -> Marble:
        return Marble.objects.create(
            organization=personas.org,
            team=personas.team,
            act_key=act_key,
            act=act,
            response="learned",
        )

    go_first = marble("review:4:go_first", "mistake")
    question = marble("review:4:question:9", "lesson")
    reflection = marble("reflection:3", "lesson")
    migration = import_module("marblejar.jar.migrations.0003_review_act_kinds")
    migration.name_review_acts(django_apps, None)
    for m, act in ((go_first, "go_first"), (question, "question"), (reflection, "lesson")):
        m.refresh_from_db()
        assert m.act == act
