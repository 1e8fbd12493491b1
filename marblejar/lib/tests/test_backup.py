"""`marblejar backup` and `marblejar restore`, on whichever database the suite runs.

A backup is taken of committed data (transactional tests), the data is wiped,
the backup restored, and a full dump of every table compared with the one
taken when the backup was made. A second test writes in pairs from another
thread while the backup runs: the copy is a consistent snapshot (no half of a
pair) of at least what was committed before it started.
"""

from __future__ import annotations

import io
import json
import threading
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import close_old_connections, connection, transaction

from marblejar.lib.backup import BackupError, backup, kind_of
from marblejar.reflections import services as reflection_services
from marblejar.teams.models import Membership, Team
from marblejar.test import make_personas

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def everything() -> list[dict]:
    """Every row of every table Marblejar keeps, in a stable order."""
    out = io.StringIO()
    call_command(
        "dumpdata",
        "--all",
        "--exclude=contenttypes",
        "--exclude=auth.permission",
        "--exclude=sessions",
        stdout=out,
    )
    return sorted(json.loads(out.getvalue()), key=lambda r: (r["model"], str(r["pk"])))


def some_data() -> None:
    p = make_personas()
    reflection_services.reflection_create(
        author=p.lead,
        team=p.team,
        kind="mistake",
        title="I merged without the review",
        what_happened="The deploy broke the login page for ten minutes.",
        correction="I reverted and asked for a review.",
        publish=True,
    )


def test_backup_wipe_restore_gives_back_every_row(tmp_path: Path):
    some_data()
    before = everything()
    assert len(before) > 15
    done = backup(tmp_path / "marblejar.backup")
    assert done.size > 0 and kind_of(done.path) == connection.vendor
    assert (done.path.stat().st_mode & 0o777) == 0o600

    call_command("flush", interactive=False, verbosity=0)
    assert Team.objects.count() == 0

    call_command("restore", str(done.path), "--yes", stdout=io.StringIO())
    assert everything() == before


def test_a_backup_taken_during_writes_is_a_consistent_snapshot(tmp_path: Path):
    p = make_personas()
    stop = threading.Event()
    committed: list[int] = []
    failed: list[BaseException] = []

    def write_pairs() -> None:
        # Each transaction adds a team and its lead: a copy holds both or neither.
        i = 0
        try:
            while not stop.is_set():
                with transaction.atomic():
                    team = Team.objects.create(organization=p.org, name=f"T{i}", slug=f"t-{i}")
                    Membership.objects.create(
                        organization=p.org, team=team, user=p.lead, role="lead"
                    )
                committed.append(i)
                i += 1
        except BaseException as error:
            failed.append(error)
        finally:
            close_old_connections()
            connection.close()

    writer = threading.Thread(target=write_pairs)
    writer.start()
    try:
        while len(committed) < 20 and writer.is_alive():
            stop.wait(0.01)
        assert not failed, failed
        at_start = len(committed)
        done = backup(tmp_path / "during.backup")
    finally:
        stop.set()
        writer.join()
    written = len(committed)

    call_command("restore", str(done.path), "--yes", stdout=io.StringIO())
    copied = Team.objects.filter(slug__startswith="t-").count()
    assert at_start <= copied <= written
    # No team without its lead, no lead without a team.
    teams = set(Team.objects.filter(slug__startswith="t-").values_list("pk", flat=True))
    led = set(
        Membership.objects.filter(team__slug__startswith="t-").values_list("team_id", flat=True)
    )
    assert teams == led
    # And what was copied is the first ``copied`` teams, in order: a snapshot.
    assert set(Team.objects.filter(slug__startswith="t-").values_list("slug", flat=True)) == {
        f"t-{i}" for i in range(copied)
    }


def test_it_refuses_what_is_not_a_backup_and_changes_nothing(tmp_path: Path):
    some_data()
    before = everything()
    junk = tmp_path / "notes.txt"
    junk.write_text("not a database")
    with pytest.raises(CommandError, match="is not a Marblejar backup"):
        call_command("restore", str(junk), "--yes")
    with pytest.raises(CommandError, match="There is no file at"):
        call_command("restore", str(tmp_path / "missing"), "--yes")
    other = tmp_path / "other.backup"
    if connection.vendor == "sqlite":
        other.write_bytes(b"PGDMP" + b"\0" * 100)
        expected = "holds a PostgreSQL database; this installation uses SQLite"
    else:
        other.write_bytes(b"SQLite format 3\x00" + b"\0" * 100)
        expected = "holds a SQLite database; this installation uses PostgreSQL"
    with pytest.raises(CommandError, match=expected):
        call_command("restore", str(other), "--yes")
    assert everything() == before


def test_restore_asks_before_replacing_data(tmp_path: Path):
    some_data()
    done = backup(tmp_path / "b")
    with pytest.raises(CommandError, match="add --yes"):
        call_command("restore", str(done.path), interactive=False)


def test_backup_into_a_missing_folder_says_so(tmp_path: Path):
    with pytest.raises(BackupError, match="does not exist"):
        backup(tmp_path / "nowhere" / "b")
    with pytest.raises(BackupError, match="is a folder"):
        backup(tmp_path)


def test_the_command_names_the_key_to_keep_apart(tmp_path: Path):
    out = io.StringIO()
    call_command("backup", str(tmp_path / "b"), stdout=out)
    text = out.getvalue()
    assert "Backed up the" in text and "back it up separately" in text


@pytest.mark.skipif("connection.vendor != 'sqlite'")
def test_a_damaged_sqlite_backup_is_refused(tmp_path: Path):
    some_data()
    before = everything()
    done = backup(tmp_path / "b")
    data = bytearray(done.path.read_bytes())
    # Damage a page in the middle of the file (not the header).
    middle = len(data) // 2 // 4096 * 4096
    data[middle : middle + 4096] = b"\xff" * 4096
    done.path.write_bytes(bytes(data))
    with pytest.raises(CommandError):
        call_command("restore", str(done.path), "--yes")
    assert everything() == before
