"""Improvement actions: added by hand, moved on, edited and checked, each with its history."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from marblejar.reviews import services
from marblejar.reviews.models import Action, ActionEvent, ActionStatus, Phase
from marblejar.reviews.services.actions import RECHECK_AFTER
from marblejar.reviews.tests.helpers import action_dates, advance_to, schedule

pytestmark = pytest.mark.django_db


def by_hand(p, **extra) -> Action:
    due, check = action_dates()
    options = {
        "title": "Write the deploy freeze dates in the team calendar",
        "expected_effect": "Nobody is surprised by a freeze.",
        "due_on": due,
        "check_on": check,
    }
    options.update(extra)
    return services.action_add(actor=p.member, team=p.team, **options)


def test_anyone_in_the_team_adds_an_action_by_hand_owned_by_the_team(personas):
    action = by_hand(personas)
    assert action.review is None and action.owner is None and action.status == ActionStatus.OPEN
    assert [(e.kind, e.actor) for e in action.history.all()] == [("created", personas.member)]
    for outsider in (personas.other, personas.admin, personas.outsider):
        with pytest.raises(PermissionDenied):
            services.action_add(
                actor=outsider,
                team=personas.team,
                title="x",
                expected_effect="y",
                due_on=date(2030, 1, 1),
                check_on=date(2030, 2, 1),
            )


def test_an_action_says_what_how_we_will_know_and_when(personas):
    with pytest.raises(ValidationError) as e:
        by_hand(
            personas,
            title=" ",
            expected_effect="",
            due_on=date(2030, 2, 1),
            check_on=date(2030, 1, 1),
            owner=personas.other,
        )
    assert set(e.value.message_dict) == {"title", "expected_effect", "check_on", "owner"}
    assert not Action.objects.exists()


def test_dropping_asks_for_a_reason(personas):
    action = by_hand(personas)
    with pytest.raises(ValidationError) as e:
        services.action_set_status(actor=personas.member2, action=action, status="dropped")
    assert "note" in e.value.message_dict
    services.action_set_status(
        actor=personas.member2, action=action, status="dropped", note="The freeze was abolished."
    )
    action.refresh_from_db()
    assert action.status == "dropped" and action.status_note == "The freeze was abolished."
    with pytest.raises(ValidationError):
        services.action_set_status(actor=personas.member2, action=action, status="closed")


def test_done_records_when_and_reopening_forgets_it(personas):
    action = by_hand(personas)
    services.action_set_status(actor=personas.member, action=action, status="doing")
    assert action.done_at is None
    services.action_set_status(actor=personas.member, action=action, status="done")
    assert action.done_at is not None
    services.action_set_status(actor=personas.member, action=action, status="open")
    assert action.done_at is None
    statuses = list(
        ActionEvent.objects.filter(action=action, kind="status").values_list("status", flat=True)
    )
    assert statuses == ["doing", "done", "open"]


def test_an_edit_names_the_fields_it_changed(personas):
    action = by_hand(personas)
    services.action_update(
        actor=personas.lead,
        action=action,
        title=action.title,
        expected_effect=action.expected_effect,
        due_on=action.due_on,
        check_on=action.check_on + timedelta(days=7),
        owner=personas.member2,
    )
    action.refresh_from_db()
    assert action.owner == personas.member2
    edit = ActionEvent.objects.get(action=action, kind="edited")
    assert edit.fields == ["check_on", "owner"] and edit.actor == personas.lead
    # Saving the same again changes nothing and records nothing.
    services.action_update(
        actor=personas.lead,
        action=action,
        title=action.title,
        expected_effect=action.expected_effect,
        due_on=action.due_on,
        check_on=action.check_on,
        owner=personas.member2,
    )
    assert ActionEvent.objects.filter(action=action, kind="edited").count() == 1


def test_too_early_to_tell_asks_again_four_weeks_on(personas):
    action = by_hand(personas)
    services.action_check(actor=personas.member, action=action, result="too_early", note="Hm.")
    action.refresh_from_db()
    assert action.check_result == "too_early"
    assert action.check_on == timezone.localdate() + RECHECK_AFTER
    services.action_check(actor=personas.member, action=action, result="partly", note="Mostly.")
    action.refresh_from_db()
    assert (action.check_result, action.check_note) == ("partly", "Mostly.")
    results = list(
        ActionEvent.objects.filter(action=action, kind="checked").values_list("result", flat=True)
    )
    assert results == ["too_early", "partly"]
    with pytest.raises(ValidationError):
        services.action_check(actor=personas.member, action=action, result="maybe")


def test_a_dropped_action_has_no_effect_to_check(personas):
    action = by_hand(personas)
    services.action_set_status(actor=personas.lead, action=action, status="dropped", note="Moot.")
    with pytest.raises(ValidationError, match="dropped"):
        services.action_check(actor=personas.member, action=action, result="worked")


def test_doing_actions_come_back_in_the_next_review_like_open_ones(personas):
    from marblejar.reviews import selectors

    doing = by_hand(personas, title="Doing it")
    services.action_set_status(actor=personas.member, action=doing, status="doing")
    done = by_hand(personas, title="Done with it")
    services.action_set_status(actor=personas.member, action=done, status="done")
    review = advance_to(schedule(personas), Phase.FOLLOWUP, by=personas.lead)
    assert list(selectors.open_actions_from_earlier(review=review)) == [doing]
