"""The review's services: the flow, its gates and its limits."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from marblejar.reviews import selectors, services
from marblejar.reviews.models import Action, ActionStatus, Phase, Vote
from marblejar.reviews.tests.helpers import action_dates, advance_to, schedule

pytestmark = pytest.mark.django_db


def test_it_requires_a_purpose_and_an_agenda(personas):
    with pytest.raises(ValidationError) as e:
        schedule(personas, purpose=" ", agenda="")
    assert set(e.value.message_dict) == {"purpose", "agenda"}


def test_it_shows_the_teams_own_statement_of_good_intent(personas):
    services.intent_statement_update(
        actor=personas.lead, team=personas.team, text="We assume good intent, always."
    )
    review = schedule(personas)
    assert review.intent == "We assume good intent, always."
    assert review.facilitator == personas.lead
    assert [c["key"] for c in review.columns] == ["went_well", "puzzled", "try_next"]


def test_only_a_lead_edits_the_statement(personas):
    with pytest.raises(PermissionDenied):
        services.intent_statement_update(actor=personas.member, team=personas.team, text="x")


def test_a_team_template_becomes_the_reviews_columns(personas):
    template = services.review_template_create(
        actor=personas.member,
        team=personas.team,
        name="Sailboat",
        kind="retrospective",
        columns="Wind: what pushed us\nAnchors: what held us back\n\n",
    )
    review = schedule(personas, template=f"team:{template.pk}")
    assert [c["title"] for c in review.columns] == ["Wind", "Anchors"]
    assert review.template_name == "Sailboat"


def test_a_member_cannot_advance_the_phase(personas):
    review = schedule(personas)
    with pytest.raises(PermissionDenied):
        services.review_advance_phase(actor=personas.member, review=review)


def test_it_will_not_reveal_before_the_lead_has_gone_first(personas):
    review = advance_to(schedule(personas), Phase.GO_FIRST, by=personas.lead)
    services.note_add(actor=personas.member, review=review, column="puzzled", text="Max's note")
    with pytest.raises(ValidationError, match="Go first"):
        services.review_advance_phase(actor=personas.lead, review=review)
    assert review.phase == Phase.GO_FIRST


def test_it_hides_notes_until_the_reveal(personas):
    review = advance_to(schedule(personas), Phase.REFLECT, by=personas.lead)
    services.note_add(actor=personas.member, review=review, column="puzzled", text="Max's note")
    services.note_add(actor=personas.member2, review=review, column="puzzled", text="Mia's note")
    for reader in (personas.lead, personas.member2):
        texts = [n.text for n in selectors.notes_visible_to(user=reader, review=review)]
        assert "Max's note" not in texts
    assert selectors.note_counts(review=review)["puzzled"] == 2
    advance_to(review, Phase.GROUP, by=personas.lead)
    texts = {n.text for n in selectors.notes_visible_to(user=personas.lead, review=review)}
    assert texts == {"Max's note", "Mia's note"}


def test_a_note_needs_text_and_a_known_column(personas):
    review = advance_to(schedule(personas), Phase.GO_FIRST, by=personas.lead)
    with pytest.raises(ValidationError) as e:
        services.note_add(actor=personas.member, review=review, column="puzzled", text="  ")
    assert "text" in e.value.message_dict
    with pytest.raises(ValidationError) as e:
        services.note_add(actor=personas.member, review=review, column="nope", text="x")
    assert "column" in e.value.message_dict


def test_notes_cannot_be_written_before_go_first(personas):
    review = advance_to(schedule(personas), Phase.CHECKIN, by=personas.lead)
    with pytest.raises(ValidationError):
        services.note_add(actor=personas.member, review=review, column="puzzled", text="early")


def test_votes_are_limited_then_counted_and_forgotten(personas):
    review = schedule(personas, votes_per_person=2)
    review = advance_to(review, Phase.REFLECT, by=personas.lead)
    services.note_add(actor=personas.member, review=review, column="puzzled", text="n")
    review = advance_to(review, Phase.GROUP, by=personas.lead)
    a = services.theme_create(actor=personas.member, review=review, title="A")
    b = services.theme_create(actor=personas.member, review=review, title="B")
    review = advance_to(review, Phase.VOTE, by=personas.lead)
    a.review = b.review = review
    assert services.vote_cast(actor=personas.member, theme=a) == 1
    assert services.vote_cast(actor=personas.member, theme=a) == 0
    with pytest.raises(ValidationError, match="used all 2"):
        services.vote_cast(actor=personas.member, theme=b)
    assert services.vote_withdraw(actor=personas.member, theme=a) == 1
    services.vote_cast(actor=personas.member, theme=b)
    services.vote_cast(actor=personas.member2, theme=b)
    assert Vote.objects.filter(review=review).count() == 3
    advance_to(review, Phase.DISCUSS, by=personas.lead)
    assert Vote.objects.filter(review=review).count() == 0
    ordered = list(selectors.themes_in_vote_order(review=review))
    assert [(t.title, t.vote_count) for t in ordered] == [("B", 2), ("A", 1)]


def test_a_question_must_say_why_it_is_asked(personas):
    review = advance_to(schedule(personas), Phase.DISCUSS, by=personas.lead)
    theme = review.themes.get()
    with pytest.raises(ValidationError) as e:
        services.question_ask(actor=personas.member, theme=theme, text="What happened?", intent="")
    assert list(e.value.message_dict) == ["intent"]
    question = services.question_ask(
        actor=personas.member,
        theme=theme,
        text="What did the dashboard show?",
        intent="I want to know whether we could have seen it.",
    )
    services.question_answer(actor=personas.lead, question=question, answer="Nothing red.")
    question.refresh_from_db()
    assert question.answer == "Nothing red."
    assert question.answered_by == personas.lead


def test_an_action_needs_its_expected_effect_and_dates(personas):
    review = advance_to(schedule(personas), Phase.ACTIONS, by=personas.lead)
    with pytest.raises(ValidationError) as e:
        services.action_create(
            actor=personas.member,
            review=review,
            title="Load test",
            expected_effect="",
            due_on=None,
            check_on=None,
        )
    assert set(e.value.message_dict) == {"expected_effect", "due_on", "check_on"}
    due, check = action_dates()
    action = services.action_create(
        actor=personas.member,
        review=review,
        title="Load test before each release",
        expected_effect="No release slips because of load.",
        due_on=due,
        check_on=check,
        owner=personas.member2,
    )
    assert action.team == personas.team and action.status == ActionStatus.OPEN
    with pytest.raises(ValidationError) as e:
        services.action_create(
            actor=personas.member,
            review=review,
            title="x",
            expected_effect="y",
            due_on=due,
            check_on=check,
            owner=personas.other,
        )
    assert "owner" in e.value.message_dict


def test_open_actions_come_back_in_the_next_review(personas):
    first = advance_to(schedule(personas), Phase.ACTIONS, by=personas.lead)
    due, check = action_dates()
    action = services.action_create(
        actor=personas.lead,
        review=first,
        title="Pair on deploys",
        expected_effect="Two people know how.",
        due_on=due,
        check_on=check,
    )
    advance_to(first, Phase.CLOSED, by=personas.lead)
    second = advance_to(schedule(personas, title="Next"), Phase.FOLLOWUP, by=personas.lead)
    assert list(selectors.open_actions_from_earlier(review=second)) == [action]
    services.action_set_status(
        actor=personas.member, action=action, status="done", note="It worked.", review=second
    )
    action.refresh_from_db()
    assert action.status == "done" and action.last_checked_in == second
    # Still listed in the review that checked it, so everyone sees the outcome.
    assert list(selectors.open_actions_from_earlier(review=second)) == [action]
    assert Action.objects.get().status_note == "It worked."


def test_the_safety_check_keeps_counts_only_and_offers_to_make_it_safer(personas):
    review = advance_to(schedule(personas), Phase.CHECKIN, by=personas.lead)
    for user, value in ((personas.lead, 4), (personas.member, 1), (personas.member2, 3)):
        services.participant_touch(actor=user, review=review)
        services.safety_vote(actor=user, review=review, value=value)
    with pytest.raises(ValidationError, match="already"):
        services.safety_vote(actor=personas.member, review=review, value=5)
    review.refresh_from_db()
    assert review.safety_counts == {"4": 1, "1": 1, "3": 1}
    result = selectors.safety_result(review=review, labels=("1", "2", "3", "4", "5"))
    assert result.shown and result.low and result.median == 3
    services.review_make_safer(actor=personas.lead, review=review, anonymous=True, safer_round=True)
    review.refresh_from_db()
    assert review.anonymous and review.column_keys[0] == "safer"


def test_the_histogram_waits_for_everyone_present(personas):
    review = advance_to(schedule(personas), Phase.CHECKIN, by=personas.lead)
    for user in (personas.lead, personas.member, personas.member2):
        services.participant_touch(actor=user, review=review)
    services.safety_vote(actor=personas.lead, review=review, value=4)
    services.safety_vote(actor=personas.member, review=review, value=4)
    review.refresh_from_db()
    result = services.safety_check_result(review=review, labels=("1", "2", "3", "4", "5"))
    assert not result.shown and result.waiting_for == 1 and result.answered == 2


def test_a_later_answer_never_changes_the_chart_on_its_own(personas):
    # Someone who saw the chart before and after one more answer would know
    # that answer: later answers join the chart three or more at a time.
    from marblejar.pulse.tests.factories import add_members

    *late, last = add_members(personas.team, personas.org, 4, prefix="late")
    review = advance_to(schedule(personas), Phase.CHECKIN, by=personas.lead)
    labels = ("1", "2", "3", "4", "5")
    for user, value in ((personas.lead, 4), (personas.member, 4), (personas.member2, 5)):
        services.participant_touch(actor=user, review=review)
        services.safety_vote(actor=user, review=review, value=value)
    shown = services.safety_check_result(review=review, labels=labels)
    assert shown.shown and shown.total == 3
    for i, user in enumerate(late):
        services.participant_touch(actor=user, review=review)
        services.safety_vote(actor=user, review=review, value=1)
        review.refresh_from_db()
        result = services.safety_check_result(review=review, labels=labels)
        if i < 2:
            assert result.counts == shown.counts and result.not_yet_shown == i + 1
        else:
            assert result.total == 6 and dict((lv, n) for lv, _l, n in result.counts)[1] == 3
    # What the summary shows after the review follows the same batches.
    services.safety_vote(actor=last, review=review, value=2)
    advance_to(review, Phase.CLOSED, by=personas.lead)
    review.refresh_from_db()
    assert sum(int(v) for v in review.safety_shown.values()) == 6


def test_closing_drops_marbles_for_going_first_and_answered_questions(personas):
    from marblejar.jar.models import Marble

    review = advance_to(schedule(personas), Phase.DISCUSS, by=personas.lead)
    theme = review.themes.get()
    answered = services.question_ask(
        actor=personas.member, theme=theme, text="Q1?", intent="To understand the alert."
    )
    services.question_ask(actor=personas.member, theme=theme, text="Q2?", intent="Curious.")
    services.question_answer(actor=personas.lead, question=answered, answer="A1")
    advance_to(review, Phase.CLOSED, by=personas.lead)
    keys = set(Marble.objects.filter(team=personas.team).values_list("act_key", flat=True))
    assert keys == {f"review:{review.pk}:go_first", f"review:{review.pk}:question:{answered.pk}"}
