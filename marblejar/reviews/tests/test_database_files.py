"""Anonymous answers in reviews, read from the database files themselves.

Someone who copied the database while a review ran, or after it closed, reads
more than the tables: SQLite's write-ahead log replayed commit by commit, the
free pages of the file, PostgreSQL's dead tuples and raw pages. These tests
read exactly that, as people write anonymous notes and answer the safety check
through the real pages.
"""

from __future__ import annotations

import itertools

import pytest
from django.db import connection
from django.urls import reverse

from marblejar.reviews import services
from marblejar.reviews.models import Mark, Note, NoteAuthorship, Phase, Review
from marblejar.reviews.tests.helpers import advance_to, schedule
from marblejar.tests import forensics

pytestmark = pytest.mark.django_db(transaction=True)

WRITERS = ("lead", "member", "member2")
TEXTS = {
    "lead": "I pushed the config without a second pair of eyes",
    "member": "The pager woke only me, every night",
    "member2": "Staging was down all week and nobody said",
}
LEVELS = {"lead": 5, "member": 1, "member2": 3}

sqlite_only = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="reads SQLite's files; PostgreSQL is read below"
)
postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="reads PostgreSQL's dead tuples and pages"
)


def start_review(personas) -> Review:
    review = schedule(personas, anonymous=True)
    review = advance_to(review, Phase.CHECKIN, by=personas.lead)
    for name in WRITERS:
        # On the board before anything is answered: presence is recorded apart.
        services.participant_touch(actor=getattr(personas, name), review=review)
    return review


def answer_and_write(review: Review, personas, client_for, answered: set | None = None) -> Review:
    answered = set() if answered is None else answered
    for name in WRITERS:
        response = client_for(name).post(
            reverse("reviews:safety_vote", args=[review.pk]), {"value": LEVELS[name]}
        )
        assert response.status_code in (200, 302)
    answered.update(t.encode() for t in Mark.objects.values_list("tag", flat=True))
    review = advance_to(review, Phase.REFLECT, by=personas.lead)
    for name in WRITERS:
        client_for(name).post(
            reverse("reviews:note_add", args=[review.pk]),
            {"column": review.column_keys[0], "text": TEXTS[name]},
        )
    assert Note.objects.filter(review=review).count() == len(WRITERS)
    return review


@sqlite_only
def test_no_commit_ties_an_anonymous_note_or_a_safety_answer_to_a_person(personas, client_for):
    review = start_review(personas)
    files = forensics.SqliteCopy().start()
    answer_and_write(review, personas, client_for)
    people = {getattr(personas, name).pk for name in WRITERS}
    looked_at = {"note": 0, "safety": 0}
    with files.states() as states:
        assert len(states) > 2 * len(WRITERS)
        for before, after in itertools.pairwise(states):
            changed = forensics.changes(before, after)
            texts = set(TEXTS.values())
            notes = {row for row in changed.get("reviews_note", ()) if texts & set(row)}
            safety = "reviews_mark" in changed
            if not notes and not safety:
                continue
            looked_at["note" if notes else "safety"] += 1
            for table, added in changed.items():
                if table == "reviews_review":
                    # The review's own row (its counts) names who scheduled and
                    # facilitates it, whoever answered.
                    continue
                for column in forensics.person_columns(after, table):
                    named = {row[column] for row in added} & people
                    assert not named, (
                        f"the commit that stored an anonymous {'note' if notes else 'answer'} "
                        f"also wrote {table} rows naming {named}"
                    )
    files.stop()
    assert looked_at == {"note": len(WRITERS), "safety": len(WRITERS)}


@sqlite_only
def test_after_the_close_the_files_keep_no_tag_no_old_id_and_no_log(personas, client_for):
    review = start_review(personas)
    # A running server keeps connections open, so the log is not folded into
    # the file whenever the last connection closes (as in a quiet test).
    files = forensics.SqliteCopy().start()
    review = answer_and_write(review, personas, client_for)
    tags = {t.encode() for t in NoteAuthorship.objects.values_list("author_tag", flat=True)}
    ids_while_open = {n.pk.hex.encode() for n in Note.objects.filter(review=review)}
    assert any(tag in files.all_bytes() for tag in tags)  # they are there while it runs
    advance_to(review, Phase.CLOSED, by=personas.lead)
    grown = len(files.wal())
    forensics.run_queued_tasks()
    # The log started again (only what the task queue wrote since is in it).
    assert len(files.wal()) < grown, "the log still holds older versions of rows"
    files.stop()
    raw = files.all_bytes()
    for tag in tags:
        assert tag not in raw, "an authorship tag survives in a free page"
    for note_id in ids_while_open:
        assert note_id not in raw, "a note id seen while the review ran survives"
    assert not Mark.objects.filter(review=review, kind="safety").exists()


@postgres_only
def test_after_the_close_postgresql_keeps_no_dead_tuple_of_an_authorship(personas, client_for):
    review = start_review(personas)
    safety_tags: set[bytes] = set()
    review = answer_and_write(review, personas, client_for, safety_tags)
    tags = {t.encode() for t in NoteAuthorship.objects.values_list("author_tag", flat=True)}
    assert len(safety_tags) == len(tags) == len(WRITERS)
    advance_to(review, Phase.CLOSED, by=personas.lead)
    forensics.run_queued_tasks()
    for table in ("reviews_noteauthorship", "reviews_mark", "reviews_note"):
        assert forensics.pg_dead_tuples(table) == 0, table
    for table in ("reviews_noteauthorship", "reviews_mark"):
        raw = forensics.pg_raw_bytes(table)
        assert not any(tag in raw for tag in tags | safety_tags), table
