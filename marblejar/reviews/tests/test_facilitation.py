"""The facilitator's tools and the new ways of grouping, through the services and the board."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from marblejar.reviews import services
from marblejar.reviews.models import Mode, Note, Phase, Review
from marblejar.reviews.tests.helpers import advance_to, schedule

pytestmark = pytest.mark.django_db


def board(client, review: Review) -> str:
    response = client.get(reverse("reviews:board", args=[review.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_the_timer_is_set_extended_paused_resumed_and_cleared(personas):
    review = advance_to(schedule(personas), Phase.REFLECT, by=personas.lead)
    services.review_timer(actor=personas.lead, review=review, action="set", minutes=5)
    assert 290 <= review.timer_seconds_left() <= 300
    services.review_timer(actor=personas.lead, review=review, action="extend", minutes=2)
    assert 410 <= review.timer_seconds_left() <= 420
    services.review_timer(actor=personas.lead, review=review, action="pause")
    review.refresh_from_db()
    assert review.timer_paused and 410 <= review.timer_seconds_left() <= 420
    later = timezone.now() + timedelta(minutes=3)
    assert review.timer_seconds_left(later) == review.timer_seconds_left()  # paused: no time passes
    services.review_timer(actor=personas.lead, review=review, action="resume")
    assert not review.timer_paused
    services.review_timer(actor=personas.lead, review=review, action="clear")
    review.refresh_from_db()
    assert review.timer_seconds_left() is None


def test_only_the_facilitator_runs_the_timer_and_everyone_sees_it(personas, client_for):
    review = advance_to(schedule(personas), Phase.REFLECT, by=personas.lead)
    with pytest.raises(PermissionDenied):
        services.review_timer(actor=personas.member, review=review, action="set", minutes=5)
    with pytest.raises(ValidationError):
        services.review_timer(actor=personas.lead, review=review, action="set", minutes=0)
    services.review_timer(actor=personas.lead, review=review, action="set", minutes=5)
    html = board(client_for("member"), review)
    assert "Time left in this phase:" in html and "Set timer" not in html
    assert "Set timer" in board(client_for("lead"), review)


def test_who_is_done_writing_is_counted_and_never_named(personas, client_for):
    review = advance_to(schedule(personas, anonymous=True), Phase.REFLECT, by=personas.lead)
    for name in ("lead", "member", "member2"):
        client_for(name).post(reverse("reviews:presence", args=[review.pk]))
    response = client_for("member").post(
        reverse("reviews:done", args=[review.pk]), {"done": "1"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    part = client_for("lead").get(reverse("reviews:section", args=[review.pk, "timer"]))
    text = part.content.decode()
    assert "1 of 3 are done writing" in text
    assert personas.member.display_name not in text
    assert "You said you are done writing" in board(client_for("member"), review)
    assert "You said you are done writing" not in board(client_for("member2"), review)


def test_the_spotlight_starts_on_the_most_voted_theme_and_moves_everyone_on(personas):
    review = advance_to(schedule(personas), Phase.GROUP, by=personas.lead)
    first = services.theme_create(actor=personas.lead, review=review, title="First")
    second = services.theme_create(actor=personas.lead, review=review, title="Second")
    review = advance_to(review, Phase.VOTE, by=personas.lead)
    second.review = review
    services.vote_cast(actor=personas.member, theme=second)
    review = advance_to(review, Phase.DISCUSS, by=personas.lead)
    assert review.spotlight == second
    with pytest.raises(PermissionDenied):
        services.review_spotlight(actor=personas.member, review=review)
    assert services.review_spotlight(actor=personas.lead, review=review) == first
    with pytest.raises(ValidationError, match="last theme"):
        services.review_spotlight(actor=personas.lead, review=review)
    assert services.review_spotlight(actor=personas.lead, review=review, theme=second) == second


def test_a_question_without_intent_is_refused_kindly_and_keeps_what_was_typed(personas, client_for):
    review = advance_to(schedule(personas), Phase.DISCUSS, by=personas.lead)
    theme = review.themes.get()
    url = reverse("reviews:discuss_add", args=[review.pk])
    member = client_for("member")
    response = member.post(
        url, {"theme": theme.pk, "kind": "question", "text": "What did the alert say?"}
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "Say why you are asking" in html and "What did the alert say?" in html
    member.post(
        url,
        {
            "theme": theme.pk,
            "kind": "question",
            "text": "What did the alert say?",
            "intent_choice": "understand",
        },
    )
    question = theme.questions.get()
    assert question.intent == "to understand what happened"
    member.post(url, {"theme": theme.pk, "kind": "factor", "text": "No owner for the runbook"})
    assert theme.findings.get().kind == "factor"


def _composer_text(html: str) -> str:
    """The composer's field as the board draws it (its tag and what it holds)."""
    match = re.search(r'(<textarea[^>]*id="discuss-text"[^>]*>)(.*?)</textarea>', html, re.S)
    assert match, "the composer is on the phase"
    return match.group(1) + match.group(2).strip()


def test_the_composer_comes_back_empty_after_an_add_and_as_typed_after_a_refusal(
    personas, client_for
):
    review = advance_to(schedule(personas), Phase.DISCUSS, by=personas.lead)
    theme = review.themes.get()
    url = reverse("reviews:discuss_add", args=[review.pk])
    member = client_for("member")
    htmx = {"HX-Request": "true"}
    refused = member.post(
        url,
        {"theme": theme.pk, "kind": "question", "text": "Who saw the page first?"},
        headers=htmx,
    )
    html = refused.content.decode()
    assert "Say why you are asking" in html
    field = _composer_text(html)
    # Kept: what was typed, and the field stays preserved across live reloads.
    assert field.endswith("Who saw the page first?") and "hx-preserve" in field
    added = member.post(
        url,
        {
            "theme": theme.pk,
            "kind": "question",
            "text": "Who saw the page first?",
            "intent_choice": "understand",
        },
        headers=htmx,
    )
    html = added.content.decode()
    assert added.status_code == 200 and theme.questions.get().text == "Who saw the page first?"
    field = _composer_text(html)
    # Empty, and not preserved, so that the swap takes the empty field over the typed one.
    assert field.endswith(">") and "hx-preserve" not in field
    assert "Say why you are asking" not in html
    assert re.search(r'<option value="understand"[^>]*selected', html) is None
    # A later live reload of the phase keeps what is being typed again.
    reloaded = member.get(reverse("reviews:board", args=[review.pk]))
    assert "hx-preserve" in _composer_text(reloaded.content.decode())


def test_a_card_dropped_on_a_card_makes_a_theme_of_both(personas, client_for):
    review = advance_to(schedule(personas), Phase.REFLECT, by=personas.lead)
    a = services.note_add(actor=personas.member, review=review, column="puzzled", text="Cold")
    b = services.note_add(
        actor=personas.member2, review=review, column="went_well", text="Caches warmed fast"
    )
    review = advance_to(review, Phase.GROUP, by=personas.lead)
    client = client_for("member2")
    client.post(reverse("reviews:note_move", args=[review.pk, a.pk]), {"onto": str(b.pk)})
    theme = review.themes.get()
    assert theme.title == "Caches warmed fast"
    assert set(Note.objects.filter(theme=theme).values_list("text", flat=True)) == {
        "Cold",
        "Caches warmed fast",
    }
    # The column's own place: dropped back, the card leaves its theme.
    client.post(reverse("reviews:note_move", args=[review.pk, a.pk]), {"drop": ""})
    assert Note.objects.get(pk=a.pk).theme is None
    client.post(reverse("reviews:note_move", args=[review.pk, a.pk]), {"new_theme": "1"})
    assert Note.objects.get(pk=a.pk).theme.title == "Cold"


def test_only_an_incident_debrief_skips_grouping_and_voting(personas):
    retro = advance_to(schedule(personas), Phase.REFLECT, by=personas.lead)
    with pytest.raises(ValidationError):
        services.review_advance_phase(actor=personas.lead, review=retro, skip_grouping=True)
    incident = advance_to(
        schedule(personas, template="builtin:incident"), Phase.REFLECT, by=personas.lead
    )
    services.note_add(actor=personas.member, review=incident, column="factors", text="No owner")
    services.review_advance_phase(actor=personas.lead, review=incident, skip_grouping=True)
    incident.refresh_from_db()
    assert incident.phase == Phase.DISCUSS and incident.skipped_grouping
    theme = incident.themes.get()
    assert incident.spotlight == theme
    assert list(theme.notes.values_list("text", flat=True)) == ["No owner"]


def test_reading_the_board_queues_a_due_reminder_and_sends_nothing(
    personas, client_for, django_capture_on_commit_callbacks
):
    review = schedule(personas, mode=Mode.ASYNC, open_until=timezone.now() + timedelta(days=3))
    Review.objects.filter(pk=review.pk).update(
        reminder_due_at=timezone.now() - timedelta(minutes=1)
    )
    mail.outbox.clear()
    DBTaskResult.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        board(client_for("member"), review)
    assert mail.outbox == []
    queued = DBTaskResult.objects.filter(task_path__endswith="review_advance", status="READY")
    assert queued.count() == 1
    review.refresh_from_db()
    assert review.reminder_due_at is not None  # still due: the task sends it, once
