"""The anonymity promises of docs/pulses.md, checked on the raw database rows.

Answers are submitted through the real pages, in a known order, with values
and comments that tell each person apart; then the tables are read with SQL
exactly as an administrator with database access would.
"""

from __future__ import annotations

import uuid

import pytest
from django.contrib import admin
from django.db import connection
from django.urls import reverse

from marblejar.pulse import services
from marblejar.pulse.models import Answer, Ballot, Comment, Participation, PulseResult
from marblejar.pulse.tests.factories import add_members, answers_for, open_pulse, set_k
from marblejar.realtime.models import Event

pytestmark = pytest.mark.django_db(transaction=True)

PEOPLE = 12


def physical_order(table: str, columns: str) -> list[tuple]:
    """Rows in the order the database stores them (SQLite rowid, PostgreSQL ctid)."""
    order = "rowid" if connection.vendor == "sqlite" else "ctid"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns} FROM {table} ORDER BY {order}")  # noqa: S608
        return cursor.fetchall()


def columns_of(table: str) -> dict[str, str]:
    with connection.cursor() as cursor:
        description = connection.introspection.get_table_description(cursor, table)
    return {c.name: c.type_code for c in description}


@pytest.fixture
def submitted(personas, client_for):
    """A closed pulse answered by 12 people in a known order, each distinguishable."""
    from django.test import Client

    set_k(personas.org, 3)
    people = [personas.member, personas.member2, *add_members(personas.team, personas.org, 10)]
    pulse = open_pulse(personas.lead, personas.team, k=3)
    order = []
    for i, user in enumerate(people):
        # Person i answers 1 + i % 7 to the first item and 7 to the others,
        # plus the number i in the comment: every row tells whose it was.
        values = {key: 7 for key in answers_for(pulse, 7)}
        first = next(iter(values))
        values[first] = 1 + i % 7
        client = Client()
        client.force_login(user)
        response = client.post(
            reverse("pulse:answer", args=[personas.team.slug, pulse.pk]),
            {k: str(v) for k, v in values.items()} | {"comment": f"comment number {i:02d}"},
        )
        assert response.status_code == 302
        order.append(("".join(str(values[item["key"]]) for item in pulse.items), i))
    before_close = {
        "ballot": bytes(Ballot.objects.get(pulse=pulse).sealed),
        "participation": physical_order("pulse_participation", "id, user_id"),
        "events": list(Event.objects.filter(kind__startswith="pulse_").values("kind", "payload")),
    }
    services.pulse_close(pulse=pulse, actor=personas.lead)
    return pulse, people, order, before_close


def test_answer_and_comment_tables_have_no_user_no_timestamp_and_random_keys(submitted):
    for table in ("pulse_answer", "pulse_comment"):
        cols = columns_of(table)
        assert not any("user" in c for c in cols), (table, cols)
        assert not any(c.endswith(("_at", "_on", "date", "time")) for c in cols), (table, cols)
        assert set(cols) >= {"id"}
    for model in (Answer, Comment, Participation):
        pk = model._meta.pk
        assert pk.get_internal_type() == "UUIDField", model
        for key in model.objects.values_list("pk", flat=True):
            assert uuid.UUID(str(key)).version == 4, model
    cols = columns_of("pulse_participation")
    assert not any(c.endswith(("_at", "_on", "date", "time")) for c in cols), cols
    assert set(cols) == {"id", "organization_id", "pulse_id", "user_id"}


def test_stored_order_of_answers_does_not_follow_submission_order(submitted):
    pulse, _people, order, _before = submitted
    submitted_values = [values for values, _i in order]
    stored = [row[0] for row in physical_order("pulse_answer", '"values"')]
    assert sorted(stored) == sorted(submitted_values)
    assert stored != submitted_values, "rows were written in the order people answered"
    by_key = [v for _k, v in sorted(Answer.objects.values_list("pk", "values"))]
    assert by_key != submitted_values, "random keys sort in the order people answered"


def test_stored_order_of_comments_does_not_follow_submission_order(submitted, client_for):
    pulse, _people, order, _before = submitted
    submitted_comments = [f"comment number {i:02d}" for _v, i in order]
    stored = [row[0] for row in physical_order("pulse_comment", "text")]
    assert sorted(stored) == sorted(submitted_comments)
    assert stored != submitted_comments
    # The page shows them in yet another random order.
    lead = client_for("lead")
    page = lead.get(reverse("pulse:results", args=[pulse.team.slug, pulse.pk])).content.decode()
    assert page.count("comment number ") == PEOPLE


def test_the_ballot_of_an_open_pulse_cannot_be_read_from_the_database(submitted):
    _pulse, _people, _order, before = submitted
    sealed = before["ballot"]
    assert b"comment number" not in sealed
    assert b"7777" not in sealed
    # Whoever answered, with or without a long comment, the ballot grows by the same size.
    assert not Ballot.objects.exists(), "the ballot is removed when the pulse closes"


def test_every_submission_grows_the_ballot_by_the_same_size(personas):
    set_k(personas.org, 3)
    pulse = open_pulse(personas.lead, personas.team, k=3)
    sizes = []
    for user, comment in (
        (personas.member, ""),
        (personas.member2, "x" * 1500),
        (personas.lead, "é"),
    ):
        services.pulse_answer(
            actor=user, pulse=pulse, values=answers_for(pulse, 4), comment=comment
        )
        sizes.append(len(bytes(Ballot.objects.get(pulse=pulse).sealed)))
    assert sizes[1] - sizes[0] == sizes[2] - sizes[1]


def test_participation_rows_cannot_be_lined_up_with_answers(submitted):
    pulse, people, order, before = submitted
    # Participation keys are random: their order says nothing about who answered first.
    rows = physical_order("pulse_participation", "id, user_id")
    by_key = [user_id for _key, user_id in sorted(rows, key=lambda r: str(r[0]))]
    assert by_key != [p.pk for p in people]
    assert len(rows) == PEOPLE


def test_events_carry_counts_only(submitted):
    _pulse, _people, _order, before = submitted
    kinds = set()
    for event in before["events"]:
        kinds.add(event["kind"])
        assert set(event["payload"]) <= {
            "pulse_id",
            "count",
            "title",
            "team_slug",
            "without_response",
        }
    assert "pulse_participation" in kinds


def test_the_close_forgets_when_each_answer_arrived(submitted):
    # Each answer stored a live event with its time (and an id in sequence
    # with everything else that happened): after the close none is left.
    assert not Event.objects.filter(kind="pulse_participation").exists()


def test_the_close_writes_participation_anew_in_a_random_order(submitted):
    _pulse, people, _order, before = submitted
    answered_order = [p.pk for p in people]
    assert [u for _id, u in before["participation"]] == answered_order  # as written while open
    after = physical_order("pulse_participation", "id, user_id")
    assert sorted(u for _id, u in after) == sorted(answered_order)
    assert [u for _id, u in after] != answered_order
    assert {i for i, _u in after}.isdisjoint({i for i, _u in before["participation"]})


def test_the_django_admin_registers_nothing_that_holds_answers(submitted, personas, client):
    for model in (Answer, Comment, Participation, Ballot, PulseResult):
        assert model not in admin.site._registry, model
    personas.admin.is_staff = personas.admin.is_superuser = True
    personas.admin.save()
    client.force_login(personas.admin)
    page = client.get("/admin/").content.decode()
    assert "comment number" not in page and "Answer" not in page


def test_results_hold_aggregates_only(submitted, client_for):
    pulse, _people, order, _before = submitted
    page = client_for("lead").get(reverse("pulse:results", args=[pulse.team.slug, pulse.pk]))
    body = page.content.decode()
    for values, _i in order:
        assert values not in body
    result = PulseResult.objects.get(pulse=pulse)
    assert result.n == PEOPLE
    assert sum(result.distribution) == PEOPLE
