"""Cracks, read from the database files: a report is never there in the clear before
the day is over, and the day's sealed inbox is gone from the files once released."""

from __future__ import annotations

import pytest
from django.db import connection

from marblejar.jar import services
from marblejar.jar.models import CrackInbox
from marblejar.jar.tests.helpers import release_reports
from marblejar.tests import forensics

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "sqlite", reason="reads SQLite's files"),
]

TEXT = "He laughed when I asked about the rollback plan"


def test_a_report_is_in_no_file_in_the_clear_and_its_inbox_leaves_no_trace(personas):
    files = forensics.SqliteCopy().start()
    services.crack_report(actor=personas.member, team=personas.team, text=TEXT)
    services.crack_report(actor=personas.member2, team=personas.team, text="Talked over again")
    versions = [bytes(i.sealed) for i in CrackInbox.objects.all()]
    with files.states() as states:
        for state in states:
            for (sealed,) in state.execute("SELECT sealed FROM jar_crackinbox"):
                versions.append(bytes(sealed))
    assert TEXT.encode() not in files.all_bytes()
    release_reports()
    grown = len(files.wal())
    forensics.run_queued_tasks()
    assert len(files.wal()) < grown
    raw = files.all_bytes()
    files.stop()
    assert TEXT.encode() in raw  # released: a crack the leads read
    for version in versions:
        assert version[:64] not in raw, "a sealed inbox survives in the files"


def test_reporting_leaves_no_time_in_any_table(personas):
    """Whatever a report writes, no column of any table says when it was written."""
    import datetime as dt

    from django.utils import timezone

    before = forensics.timestamps()
    start = timezone.now()
    services.crack_report(actor=personas.member, team=personas.team, text=TEXT)
    end = timezone.now()
    written = forensics.timestamps() - before
    when = [
        (table, column, value)
        for table, column, value in written
        if start - dt.timedelta(seconds=1) <= value <= end + dt.timedelta(seconds=1)
    ]
    assert when == [], "a row written by the report records its time"
