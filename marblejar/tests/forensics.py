"""Read the database files the way someone who copied them would.

For SQLite: the main file, its write-ahead log (``-wal``) replayed commit by
commit, and every byte of both (free pages and unused space in pages
included). For PostgreSQL: dead tuples and the raw pages of a table, through
the ``pageinspect`` and ``pgstattuple`` extensions (the test database is
owned by a superuser in CI).

Used by the anonymity tests of pulses, reviews and cracks.
"""

from __future__ import annotations

import shutil
import sqlite3
import struct
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from django.db import connection

WAL_HEADER = 32
FRAME_HEADER = 24


@dataclass(frozen=True)
class Frame:
    page: int
    commit_size: int  # non-zero on the last frame of a commit
    data: bytes


class SqliteCopy:
    """The test database's files, from a clean start (an empty log) onwards.

    :meth:`start` checkpoints the log into the main file, stops automatic
    checkpoints on this connection and keeps a copy of the main file. Every
    commit after that is a frame group in the log, so :meth:`states` can
    rebuild the database as it was after each commit.
    """

    def __init__(self) -> None:
        self.path = Path(connection.settings_dict["NAME"])
        self.baseline: bytes = b""
        self._holder: sqlite3.Connection | None = None

    def start(self) -> SqliteCopy:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            assert cursor.fetchone()[0] == 0, "the log could not be emptied"
        self.baseline = self.path.read_bytes()
        # Django closes its connection after each request; when the last
        # connection to a file closes, SQLite copies the log into the file.
        # One more connection held open keeps the log as it grows.
        self._holder = sqlite3.connect(self.path)
        self._holder.execute("SELECT count(*) FROM sqlite_master").fetchall()
        return self

    def stop(self) -> None:
        if self._holder is not None:
            self._holder.close()
            self._holder = None

    @property
    def wal_path(self) -> Path:
        return Path(f"{self.path}-wal")

    def wal(self) -> bytes:
        try:
            return self.wal_path.read_bytes()
        except FileNotFoundError:
            return b""

    def frames(self) -> tuple[bytes, list[Frame]]:
        raw = self.wal()
        if len(raw) < WAL_HEADER:
            return raw, []
        (page_size,) = struct.unpack(">I", raw[8:12])
        frames = []
        at = WAL_HEADER
        while at + FRAME_HEADER + page_size <= len(raw):
            page, commit_size = struct.unpack(">II", raw[at : at + 8])
            data = raw[at + FRAME_HEADER : at + FRAME_HEADER + page_size]
            frames.append(Frame(page, commit_size, data))
            at += FRAME_HEADER + page_size
        return raw[:WAL_HEADER], frames

    def commit_count(self) -> int:
        return sum(1 for f in self.frames()[1] if f.commit_size)

    @contextmanager
    def states(self) -> Iterator[list[sqlite3.Connection]]:
        """The database at :meth:`start`, then after each commit since, oldest first.

        A copy of the main file with the log cut after one commit's last
        frame is exactly the database as it was then: SQLite replays it.
        """
        raw = self.wal()
        _header, frames = self.frames()
        page_size = struct.unpack(">I", raw[8:12])[0] if raw else 0
        folder = Path(tempfile.mkdtemp(prefix="marblejar-forensics-"))
        opened: list[sqlite3.Connection] = []
        try:
            start = folder / "start.sqlite3"
            start.write_bytes(self.baseline)
            opened.append(sqlite3.connect(start))
            for index, frame in enumerate(frames):
                if not frame.commit_size:
                    continue
                name = folder / f"state-{len(opened):04d}.sqlite3"
                name.write_bytes(self.baseline)
                cut = WAL_HEADER + (index + 1) * (FRAME_HEADER + page_size)
                Path(f"{name}-wal").write_bytes(raw[:cut])
                opened.append(sqlite3.connect(name))
            yield opened
        finally:
            for c in opened:
                c.close()
            shutil.rmtree(folder, ignore_errors=True)

    def all_bytes(self) -> bytes:
        """Everything in the files now: main file (free pages included) and log."""
        return self.path.read_bytes() + self.wal()


def timestamps() -> set[tuple[str, str, datetime]]:
    """(table, column, value) of every date-time value stored in every table now."""
    found = set()
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            description = connection.introspection.get_table_description(cursor, table)
            for column in description:
                field = connection.introspection.get_field_type(column.type_code, column)
                if field != "DateTimeField":
                    continue
                quote = connection.ops.quote_name
                cursor.execute(f"SELECT {quote(column.name)} FROM {quote(table)}")  # noqa: S608
                for (value,) in cursor.fetchall():
                    if isinstance(value, str):
                        value = datetime.fromisoformat(value)
                    if value is not None:
                        if value.tzinfo is None:
                            value = value.replace(tzinfo=UTC)
                        found.add((table, column.name, value))
    return found


def run_queued_tasks() -> None:
    """Run what the task queue holds now, as ``marblejar worker`` would."""
    from django.core.management import call_command

    call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0", verbosity=0)


def rows(state: sqlite3.Connection, table: str) -> set[tuple]:
    try:
        return set(state.execute(f"SELECT * FROM {table}"))  # noqa: S608
    except sqlite3.OperationalError:
        return set()


def columns(state: sqlite3.Connection, table: str) -> list[str]:
    return [r[1] for r in state.execute(f"PRAGMA table_info({table})")]


def tables(state: sqlite3.Connection) -> list[str]:
    return [
        r[0]
        for r in state.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        if not r[0].startswith("sqlite_")
    ]


def changes(before: sqlite3.Connection, after: sqlite3.Connection) -> dict[str, set[tuple]]:
    """Rows that one commit added or changed, by table (deleted rows are not listed)."""
    found = {}
    for table in tables(after):
        added = rows(after, table) - rows(before, table)
        if added:
            found[table] = added
    return found


def person_columns(state: sqlite3.Connection, table: str) -> list[int]:
    """Positions of the columns of ``table`` that name a person."""
    return [
        i
        for i, name in enumerate(columns(state, table))
        if name in {"user_id", "author_id", "asked_by_id", "created_by_id", "dropped_by_id"}
        or name.endswith("_user_id")
    ]


# PostgreSQL ------------------------------------------------------------------


def pg_dead_tuples(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute("CREATE EXTENSION IF NOT EXISTS pgstattuple")
        cursor.execute("SELECT dead_tuple_count FROM pgstattuple(%s)", [table])
        return cursor.fetchone()[0]


def pg_raw_bytes(table: str) -> bytes:
    """Every page of ``table`` and of its TOAST table, as stored (free space included)."""
    with connection.cursor() as cursor:
        cursor.execute("CREATE EXTENSION IF NOT EXISTS pageinspect")
        cursor.execute(
            "SELECT c.oid::regclass::text, t.oid::regclass::text FROM pg_class c "
            "LEFT JOIN pg_class t ON t.oid = c.reltoastrelid WHERE c.oid = %s::regclass",
            [table],
        )
        names = [n for n in cursor.fetchone() if n]
        out = bytearray()
        for name in names:
            cursor.execute(
                "SELECT pg_relation_size(%s) / current_setting('block_size')::int", [name]
            )
            (blocks,) = cursor.fetchone()
            for block in range(blocks):
                cursor.execute("SELECT get_raw_page(%s, %s)", [name, block])
                out += bytes(cursor.fetchone()[0])
        return bytes(out)
