"""The review read compiled once gives what the queryset gives, and keeps its checks."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from marblejar.lib.prepared import PreparedRead
from marblejar.realtime.models import Event
from marblejar.reviews import selectors, services
from marblejar.reviews.models import Note, Participant, Phase, Review
from marblejar.reviews.tests.helpers import advance_to, schedule

pytestmark = pytest.mark.django_db


def fields(obj) -> dict:
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


@pytest.mark.parametrize("with_version", [False, True])
def test_it_reads_the_same_review_team_and_facilitator_as_the_queryset(
    personas, with_version, django_capture_on_commit_callbacks
):
    review = advance_to(schedule(personas), Phase.GROUP, by=personas.lead)
    with django_capture_on_commit_callbacks(execute=True):
        services.theme_create(actor=personas.lead, review=review, title="Deploys")
    for reader, role in ((personas.member, "member"), (personas.lead, "lead")):
        for _ in range(2):  # compiled on the first read, reused on the second
            with CaptureQueriesContext(connection) as captured:
                got = selectors.review_get(
                    user=reader, review_id=review.pk, with_version=with_version
                )
            assert len(captured) == 1
        expected = selectors._review_read(
            organization_id=reader.organization_id,
            review_id=review.pk,
            user_id=reader.pk,
            stream=review.stream,
            with_version=with_version,
        ).first()
        assert fields(got) == fields(expected)
        assert fields(got.team) == fields(expected.team)
        assert fields(got.facilitator) == fields(expected.facilitator)
        assert got.reader_role == expected.reader_role == role
        assert isinstance(got.columns, list) and got.columns == expected.columns
        if with_version:
            newest = Event.objects.filter(stream=review.stream).order_by("-id").first()
            assert newest is not None and got.version == newest.pk
        # The related objects came with the row: reading them costs nothing.
        with CaptureQueriesContext(connection) as captured:
            assert got.team.name and got.facilitator.display_name
        assert len(captured) == 0


def test_another_organization_or_a_missing_review_is_still_not_found(personas):
    review = schedule(personas)
    with pytest.raises(Http404):
        selectors.review_get(user=personas.outsider, review_id=review.pk)
    with pytest.raises(Http404):
        selectors.review_get(user=personas.member, review_id=review.pk + 1000)


def test_a_constant_of_the_query_is_kept_and_the_values_still_vary(personas):
    """A parameter the same with both sets of stand-ins is a constant of the query."""
    sprint = schedule(personas)
    other = schedule(personas)
    Review.objects.filter(pk=sprint.pk).update(title="Sprint 12")
    Review.objects.filter(pk=other.pk).update(title="Incident")
    read = PreparedRead(
        "test_constant",
        lambda review_id: Review.objects.filter(pk=review_id, title__startswith="Sprint"),
        review_id=-1,
    )
    for _ in range(2):
        assert read.first(review_id=sprint.pk).pk == sprint.pk
        assert read.first(review_id=other.pk) is None  # the constant still filters
    prepared = connections[DEFAULT_DB_ALIAS].__dict__["marblejar_prepared"]
    assert prepared["test_constant"]


def test_a_value_derived_from_a_stand_in_runs_through_the_queryset(personas):
    """A date computed from ``now`` is neither a stand-in nor a constant: not prepared."""
    review = schedule(personas)
    read = PreparedRead(
        "test_derived",
        lambda now: Review.objects.filter(pk=review.pk, created_at__gte=now - timedelta(days=7)),
        now=timezone.now() - timedelta(days=9999),
    )
    assert read.first(now=timezone.now()).pk == review.pk
    assert read.first(now=timezone.now() + timedelta(days=30)) is None
    prepared = connections[DEFAULT_DB_ALIAS].__dict__["marblejar_prepared"]
    assert prepared["test_derived"] is False


def test_the_boards_reads_are_compiled_once_not_run_through_the_queryset(personas, client_for):
    """Each read the board prepares is prepared (a silent fallback would only be slower)."""
    review = advance_to(schedule(personas), Phase.REFLECT, by=personas.lead)
    member = client_for("member")
    services.note_add(actor=personas.member, review=review, column="puzzled", text="Mine")
    services.note_add(actor=personas.member2, review=review, column="puzzled", text="Not mine")
    html = member.get(reverse("reviews:board", args=[review.pk])).content.decode()
    assert "Mine" in html and "Not mine" not in html  # only one's own before the reveal
    review = advance_to(review, Phase.GROUP, by=personas.lead)
    html = member.get(reverse("reviews:board", args=[review.pk])).content.decode()
    assert "Mine" in html and "Not mine" in html
    prepared = connections[DEFAULT_DB_ALIAS].__dict__["marblejar_prepared"]
    for name in (
        "review_get_with_version",
        "go_first",
        "writing_progress",
        "note_counts",
        "present_names",
    ):
        assert prepared.get(name), name
    assert prepared.get("my_note_cards") and prepared.get("note_cards")
    theme = services.theme_create(actor=personas.lead, review=review, title="Deploys")
    services.note_move(actor=personas.member, note=Note.objects.get(text="Mine"), theme=theme)
    assert "Deploys" in member.get(reverse("reviews:board", args=[review.pk])).content.decode()
    assert prepared.get("earlier_themes") and prepared.get("themes")
    advance_to(review, Phase.VOTE, by=personas.lead)
    assert (
        "You have 3 votes left"
        in member.get(reverse("reviews:board", args=[review.pk])).content.decode()
    )
    assert prepared.get("themes_with_my_votes") and prepared.get("themed_note_values")
    assert selectors.themed_note_values(review=review) == list(
        Note.objects.filter(review=review, theme__isnull=False)
        .order_by("column", "text")
        .values_list("theme_id", "column", "text")
    )
    advance_to(review, Phase.DISCUSS, by=personas.lead)
    html = member.get(reverse("reviews:board", args=[review.pk])).content.decode()
    assert "Deploys" in html and "Mine" in html  # the spotlighted theme and its card
    for name in (
        "themes_in_vote_order",
        "spotlight_notes",
        "spotlight_findings",
        "spotlight_questions",
        "actions_for_review",
    ):
        assert prepared.get(name), name


def test_the_cards_and_counts_read_once_compiled_are_the_querysets(personas):
    review = advance_to(schedule(personas, anonymous=True), Phase.REFLECT, by=personas.lead)
    for who, text in ((personas.member, "A"), (personas.member, "B"), (personas.member2, "C")):
        services.note_add(actor=who, review=review, column="puzzled", text=text)
    services.participant_done(actor=personas.member, review=review)
    for _ in range(2):
        mine = selectors.note_cards_visible_to(user=personas.member, review=review)
        assert [row[2] for row in mine] == ["A", "B"]
        assert [row[0] for row in mine] == [
            n.pk for n in selectors.notes_visible_to(user=personas.member, review=review)
        ]
        assert selectors.note_counts(review=review)["puzzled"] == 3
        progress = selectors.writing_progress(review=review, user=personas.member)
        assert progress == {"total": progress["total"], "done": 1, "mine": 1}
        assert selectors.writing_progress(review=review, user=personas.member2)["mine"] == 0
        assert "mine" not in selectors.writing_progress(review=review)


def test_who_is_here_read_with_a_time_once_compiled_is_the_querysets(personas):
    """A date and time goes to the database in its own form (text, on SQLite)."""
    review = advance_to(schedule(personas), Phase.REFLECT, by=personas.lead)
    for who in (personas.member, personas.member2, personas.lead):
        services.participant_touch(actor=who, review=review)
    Participant.objects.filter(review=review, user=personas.lead).update(
        last_seen=timezone.now() - timedelta(minutes=5)
    )
    for _ in range(2):
        assert selectors.present_names(review=review) == ["Max Member", "Mia Member"]
    prepared = connections[DEFAULT_DB_ALIAS].__dict__["marblejar_prepared"]
    assert prepared["present_names"]
