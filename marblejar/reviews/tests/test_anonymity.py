"""Anonymous means anonymous: after a real anonymous review closes, nothing in the
database links a note to the person who wrote it. Proved by reading the tables."""

from __future__ import annotations

import json
import uuid

import pytest
from django.db import connection
from django.urls import reverse

from marblejar.realtime.models import Event
from marblejar.reviews import selectors
from marblejar.reviews.models import (
    Finding,
    Note,
    NoteAuthorship,
    Participant,
    Phase,
    Question,
    Review,
    Vote,
)
from marblejar.reviews.tests.helpers import advance_to, schedule

pytestmark = pytest.mark.django_db(transaction=True)

NOTES = {
    "member": ["The pager woke only me", "I did not know the runbook existed"],
    "member2": ["Staging was down all week"],
}
SENSE = "The graph looked normal, so waiting made sense"


def references(table: str) -> dict[str, str]:
    """{column: the table it points at} for the foreign keys of ``table``."""
    with connection.cursor() as cursor:
        relations = connection.introspection.get_relations(cursor, table)
    # {column: (referenced column, referenced table, ...)}
    return {column: rel[1] for column, rel in relations.items()}


def user_columns(table: str) -> list[str]:
    """Columns of ``table`` that point at a user."""
    return [column for column, target in references(table).items() if target == "accounts_user"]


def as_text(value: object) -> str:
    """A stored value as text to search: JSON as JSON, a UUID in both of its spellings."""
    if isinstance(value, uuid.UUID):
        return f"{value} {value.hex}"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return value if isinstance(value, str) else ""


def rows_mentioning(text: str) -> list[tuple[str, dict]]:
    """Every row of every table with a text, JSON or UUID column containing ``text``."""
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            description = connection.introspection.get_table_description(cursor, table)
            columns = [c.name for c in description]
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 (table names from introspection)
            for row in cursor.fetchall():
                values = dict(zip(columns, row, strict=True))
                if any(text in as_text(v) for v in values.values()):
                    found.append((table, values))
    return found


def row_count(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT COUNT(*) FROM "{table}"')  # noqa: S608 (from introspection)
        return cursor.fetchone()[0]


def run_anonymous_review(personas, client_for) -> tuple[Review, set]:
    review = schedule(personas, template="builtin:incident", anonymous=True)
    lead = client_for("lead")
    lead.post(
        reverse("reviews:timeline_add", args=[review.pk]),
        {"happened_at": "2026-03-01T14:02", "what": "Latency rose"},
    )
    review = advance_to(review, Phase.REFLECT, by=personas.lead)
    ids_while_open = set()
    for name, texts in NOTES.items():
        client = client_for(name)
        for text in texts:
            client.post(
                reverse("reviews:note_add", args=[review.pk]), {"column": "surprised", "text": text}
            )
    client_for("member").post(
        reverse("reviews:note_add", args=[review.pk]),
        {"timeline_event": review.timeline_events.get().pk, "text": SENSE},
    )
    ids_while_open = set(Note.objects.filter(review=review).values_list("pk", flat=True))
    # While the review is open the author can still edit their anonymous note.
    mine = selectors.my_notes(user=personas.member, review=review)
    assert {n.text for n in mine} == {*NOTES["member"], SENSE}
    review = advance_to(review, Phase.GROUP, by=personas.lead)
    lead.post(reverse("reviews:theme_add", args=[review.pk]), {"title": "Paging"})
    theme = review.themes.get()
    review = advance_to(review, Phase.VOTE, by=personas.lead)
    for name in ("member", "member2", "lead"):
        client_for(name).post(reverse("reviews:vote", args=[review.pk, theme.pk]))
    assert Vote.objects.filter(review=review).count() == 3
    review = advance_to(review, Phase.DISCUSS, by=personas.lead)
    assert Vote.objects.count() == 0  # per-voter rows are gone as the vote phase ends
    client_for("member2").post(
        reverse("reviews:question_add", args=[review.pk, theme.pk]),
        {"text": "Who gets paged at night?", "intent": "I want the load shared."},
    )
    client_for("member").post(
        reverse("reviews:finding_add", args=[review.pk, theme.pk]),
        {"kind": "factor", "text": "One person on call for a month"},
    )
    # While it runs, the log holds when notes changed (for clients that reconnect).
    assert Event.objects.filter(stream=review.stream, kind="review_notes").exists()
    review = advance_to(review, Phase.CLOSED, by=personas.lead)
    return review, ids_while_open


def test_nothing_links_an_anonymous_note_to_its_author_after_the_review(personas, client_for):
    review, ids_while_open = run_anonymous_review(personas, client_for)
    notes = list(Note.objects.filter(review=review))
    assert len(notes) == 4
    assert NoteAuthorship.objects.count() == 0
    assert all(n.author_id is None and n.created_at is None for n in notes)
    # Written again with new random ids: not even the ids seen while it was open remain.
    assert not ids_while_open & {n.pk for n in notes}
    assert Vote.objects.count() == 0
    assert Question.objects.get().asked_by_id is None
    assert Finding.objects.get().author_id is None
    # Whatever table holds a note's text holds no reference to a person.
    for text in [*NOTES["member"], *NOTES["member2"], SENSE]:
        rows = rows_mentioning(text)
        assert [table for table, _values in rows] == ["reviews_note"], text
        for table, values in rows:
            assert all(values[c] is None for c in user_columns(table)), (table, values)
    # A note's id, old or new, is nowhere but on the note itself: not in the
    # participants, the event log, the jar or anyone's session.
    for note_id in ids_while_open:
        assert rows_mentioning(note_id.hex) == [], note_id
    for note in notes:
        assert [table for table, _values in rows_mentioning(note.pk.hex)] == ["reviews_note"]
    # Besides the note (whose person columns are empty, above), no table that
    # points at a person also points at a note, or at the timeline event a
    # "what I knew" note hangs on, and still holds a row.
    with connection.cursor() as cursor:
        tables = set(connection.introspection.table_names(cursor)) - {"reviews_note"}
    for table in tables:
        targets = set(references(table).values())
        if "accounts_user" in targets and targets & {"reviews_note", "reviews_timelineevent"}:
            assert row_count(table) == 0, table
    assert Note.objects.get(text=SENSE).timeline_event == review.timeline_events.get()
    # Nor when anyone wrote: the review's event log is emptied at the close
    # (which is all a reconnecting client needs), and the participants' times
    # are the close's.
    assert [
        (e.kind, e.payload.get("phase")) for e in Event.objects.filter(stream=review.stream)
    ] == [("review_phase", Phase.CLOSED)]
    for participant in Participant.objects.filter(review=review):
        assert participant.joined_at == participant.last_seen == review.closed_at
    # The author no longer finds "their" notes: there is nothing left to find them by.
    assert not selectors.my_notes(user=personas.member, review=review).exists()


def test_a_named_review_keeps_its_authors(personas, client_for):
    review = advance_to(schedule(personas), Phase.REFLECT, by=personas.lead)
    client_for("member").post(
        reverse("reviews:note_add", args=[review.pk]), {"column": "puzzled", "text": "Mine"}
    )
    advance_to(review, Phase.CLOSED, by=personas.lead)
    assert Note.objects.get().author == personas.member
