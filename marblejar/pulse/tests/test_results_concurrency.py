"""A pulse deleted while its results are being stored takes them along.

The database checks no key of the results table (see PulseResult): the
store and the deletion of pulses wait for each other instead
(pulse/locks.py). Two real connections, on PostgreSQL; on SQLite a
transaction that writes holds the database's own lock from its start.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections, transaction

from marblejar.pulse import results
from marblejar.pulse.models import Pulse, PulseResult
from marblejar.pulse.tests.factories import run_pulse, set_k

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="two connections at once"),
]


def test_a_pulse_deleted_during_a_store_of_its_result_leaves_no_result_behind(personas):
    set_k(personas.org, 3, 3)
    people = [personas.lead, personas.member, personas.member2]
    pulse = run_pulse(personas.lead, personas.team, dict.fromkeys(people, 4), days_ago=10)
    batches = results.results_summaries(pulse_ids=[pulse.pk])
    PulseResult.objects.all().delete()

    stored, release = threading.Event(), threading.Event()
    deleted = threading.Event()
    errors: list[BaseException] = []

    def store() -> None:
        try:
            with transaction.atomic():
                assert results.results_store(batches) == 1
                stored.set()
                # Still inside the store's transaction: its result is not committed yet.
                release.wait(10)
        except BaseException as error:  # reported by the test below
            errors.append(error)
            stored.set()
        finally:
            connections.close_all()

    def delete() -> None:
        try:
            Pulse.objects.filter(pk=pulse.pk).delete()
            deleted.set()
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    storing = threading.Thread(target=store)
    storing.start()
    assert stored.wait(10)
    deleting = threading.Thread(target=delete)
    deleting.start()
    # The deletion waits for the store's transaction to end...
    assert not deleted.wait(1), "the deletion did not wait for the store"
    release.set()
    storing.join(10)
    deleting.join(10)
    assert not errors, errors
    # ...and then deletes the result the store committed along with the pulse.
    assert deleted.is_set()
    assert not Pulse.objects.filter(pk=pulse.pk).exists()
    assert not PulseResult.objects.filter(pulse_id=pulse.pk).exists()


def test_a_deletion_of_many_pulses_takes_the_lock_once(personas):
    from django.test.utils import CaptureQueriesContext

    set_k(personas.org, 3, 3)
    people = [personas.lead, personas.member, personas.member2]
    for days in (30, 20, 10):
        run_pulse(personas.lead, personas.team, dict.fromkeys(people, 4), days_ago=days)
    assert PulseResult.objects.count() == 3
    with CaptureQueriesContext(connection) as queries:
        Pulse.objects.filter(team=personas.team).delete()
    locks = [q["sql"] for q in queries.captured_queries if "pg_advisory_xact_lock" in q["sql"]]
    assert len(locks) == 1
    assert not PulseResult.objects.exists()
