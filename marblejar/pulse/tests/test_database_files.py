"""Pulse answers, read from the database files themselves and from the data folder.

Someone who copied the data folder (the SQLite file, its write-ahead log and
whatever else lies there) replays the log commit by commit: every answer
wrote who answered and the sealed ballot in one commit. What they must not be
able to do is open a ballot: the key is not in the data folder. After the
close, no version of the ballot is left in the files at all.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test import override_settings

from marblejar.lib import scrub
from marblejar.lib.sealing import SealError
from marblejar.pulse import sealing, services
from marblejar.pulse.tests.factories import add_members, answers_for, open_pulse, set_k
from marblejar.tests import forensics

pytestmark = pytest.mark.django_db(transaction=True)

sqlite_only = pytest.mark.skipif(connection.vendor != "sqlite", reason="reads SQLite's files")
postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="reads PostgreSQL's dead tuples and pages"
)


def answer_all(pulse, people) -> None:
    for i, user in enumerate(people):
        services.pulse_answer(
            actor=user,
            pulse=pulse,
            values=answers_for(pulse, 1 + i % 7),
            comment=f"comment of person {i:02d}",
        )


def ballot_versions(states) -> list[bytes]:
    found = []
    for state in states:
        for (sealed,) in state.execute("SELECT sealed FROM pulse_ballot"):
            if sealed and bytes(sealed) not in found:
                found.append(bytes(sealed))
    return found


def candidate_keys() -> list[str]:
    """Everything the data folder holds, each file tried as the secret key."""
    keys = []
    for path in sorted(settings.DATA_DIR.rglob("*")):
        try:
            if not path.is_file() or path.stat().st_size >= 4096:
                continue
            text = path.read_bytes().decode("utf-8", "replace").strip()
        except FileNotFoundError:
            continue  # static files being collected again by a test running beside this one
        if text:  # an empty file (a lock) is no key: Django refuses an empty one
            keys.append(text)
    return keys


@sqlite_only
def test_the_data_folder_alone_opens_no_version_of_a_ballot(personas):
    set_k(personas.org, 3)
    people = add_members(personas.team, personas.org, 4)
    pulse = open_pulse(personas.lead, personas.team, k=3)
    files = forensics.SqliteCopy().start()
    answer_all(pulse, people)
    with files.states() as states:
        versions = ballot_versions(states)
        # Each answer's commit: who answered, next to a new sealed ballot.
        commits = [forensics.changes(a, b) for a, b in itertools.pairwise(states)]
    files.stop()
    assert len(versions) == len(people)
    assert sum(1 for c in commits if "pulse_participation" in c and "pulse_ballot" in c) == 4
    # The running server opens them, with its key...
    assert sealing.unseal(versions[-1])
    # ...and nothing in the data folder is that key.
    assert not any(settings.SECRET_KEY in key for key in candidate_keys())
    for key in candidate_keys():
        with override_settings(SECRET_KEY=key):
            for version in versions:
                with pytest.raises(SealError):
                    sealing.unseal(version)


def test_the_generated_key_lives_outside_the_data_folder(tmp_path):
    from marblejar.lib.secret import generated_secret_key, key_path

    data, keys = tmp_path / "data", tmp_path / "config"
    key = generated_secret_key(key_dir=keys, data_dir=data)
    assert key_path(key_dir=keys, data_dir=data).read_text() == key
    assert not any(key in p.read_text() for p in data.rglob("*") if p.is_file())
    # An installation that kept its key in the data folder has it moved out.
    (data / "secret_key").write_text("an-old-key-from-the-data-folder")
    other = tmp_path / "config2"
    assert generated_secret_key(key_dir=other, data_dir=data) == "an-old-key-from-the-data-folder"
    assert not (data / "secret_key").exists()


@sqlite_only
def test_after_the_close_no_version_of_the_ballot_is_left_in_the_files(personas):
    set_k(personas.org, 3)
    people = add_members(personas.team, personas.org, 4)
    pulse = open_pulse(personas.lead, personas.team, k=3)
    files = forensics.SqliteCopy().start()
    answer_all(pulse, people)
    with files.states() as states:
        versions = ballot_versions(states)
    services.pulse_close(pulse=pulse, actor=personas.lead)
    grown = len(files.wal())
    forensics.run_queued_tasks()
    assert len(files.wal()) < grown, "the log still holds older versions of rows"
    raw = files.all_bytes()
    files.stop()
    for version in versions:
        # Nonce and MAC open every version: 64 bytes no other data shares.
        assert version[:64] not in raw, "a sealed ballot survives in the files"


@contextmanager
def writing_transaction(dbname: str | None = None) -> Iterator[Any]:
    """Another session with a transaction that has written, left open meanwhile."""
    import psycopg

    params = connection.get_connection_params()
    for key in ("cursor_factory", "context", "prepare_threshold"):
        params.pop(key, None)
    if dbname:
        params["dbname"] = dbname
    with psycopg.connect(**params) as other:
        other.execute("SELECT txid_current()")
        yield other
        other.rollback()


@postgres_only
@pytest.mark.parametrize("beside", [False, True], ids=["alone", "beside-another-database"])
def test_after_the_close_postgresql_keeps_no_dead_ballot_or_participation(personas, beside):
    # "beside": another database of the same server has a transaction open
    # through the close and the clean-up (another application, or a test run
    # on its own database). VACUUM FULL alone kept every dead ballot then.
    with writing_transaction("postgres") if beside else nullcontext():
        close_and_check_nothing_dead_is_left(personas)


@postgres_only
def test_an_older_transaction_of_the_database_defers_the_clean_up(personas):
    set_k(personas.org, 3)
    people = add_members(personas.team, personas.org, 4)
    pulse = open_pulse(personas.lead, personas.team, k=3)
    for i, user in enumerate(people):
        services.pulse_answer(actor=user, pulse=pulse, values=answers_for(pulse, 1 + i % 7))
    tables = ["pulse_participation"]
    with writing_transaction() as older:
        older.execute("SELECT count(*) FROM pulse_participation").fetchone()
        services.pulse_close(pulse=pulse, actor=personas.lead)
        # That transaction may still read the old rows: not done, try again later.
        assert scrub.database_forget(tables=tables, rewrite=["pulse_ballot"]) is False
        assert forensics.pg_dead_tuples("pulse_participation") > 0
    assert scrub.database_forget(tables=tables, rewrite=["pulse_ballot"]) is True
    for table in ("pulse_ballot", "pulse_participation"):
        assert forensics.pg_dead_tuples(table) == 0, table


def close_and_check_nothing_dead_is_left(personas) -> None:
    set_k(personas.org, 3)
    people = add_members(personas.team, personas.org, 4)
    pulse = open_pulse(personas.lead, personas.team, k=3)
    versions = []
    for i, user in enumerate(people):
        services.pulse_answer(actor=user, pulse=pulse, values=answers_for(pulse, 1 + i % 7))
        versions.append(bytes(pulse.ballot.__class__.objects.get(pulse=pulse).sealed))
    services.pulse_close(pulse=pulse, actor=personas.lead)
    forensics.run_queued_tasks()
    for table in ("pulse_ballot", "pulse_participation"):
        assert forensics.pg_dead_tuples(table) == 0, table
    raw = forensics.pg_raw_bytes("pulse_ballot")
    assert not any(version[:64] in raw for version in versions)
