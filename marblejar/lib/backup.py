"""Back up and restore the whole database, consistently, while the app runs.

SQLite: the online backup API copies the database page by page into a new
file, a consistent snapshot even while the web process and the worker write
(each step holds a read lock; a write in between restarts the copy of what
changed). The copy is checked with ``PRAGMA integrity_check`` before it
replaces anything. PostgreSQL: ``pg_dump`` in its custom format (one
transaction, so consistent too), checked by ``pg_restore --list``.

A backup holds the database only. Sealed data (pulse ballots and comments,
the day's cracks) needs the installation's key, which is kept outside the data
folder on purpose (see ``marblejar/lib/secret.py`` and ``docs/privacy.md``):
back the key up separately, and keep the two apart.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.db import connection

SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"


class BackupError(Exception):
    """A backup or restore that cannot be done, with a sentence saying why."""


@dataclass(frozen=True)
class Backup:
    path: Path
    engine: str  # "sqlite" or "postgresql"
    size: int


def engine() -> str:
    vendor = connection.vendor
    if vendor not in {"sqlite", "postgresql"}:
        raise BackupError(f"Backups support SQLite and PostgreSQL, not {vendor}.")
    return vendor


def kind_of(path: Path) -> str:
    """Which database a backup file holds, from its first bytes."""
    try:
        with path.open("rb") as f:
            head = f.read(len(SQLITE_MAGIC))
    except FileNotFoundError:
        raise BackupError(f"There is no file at {path}.") from None
    except IsADirectoryError:
        raise BackupError(f"{path} is a folder, not a backup file.") from None
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PGDUMP_MAGIC):
        return "postgresql"
    raise BackupError(f"{path} is not a Marblejar backup (neither SQLite nor a pg_dump archive).")


def backup(path: Path) -> Backup:
    """Write a consistent copy of the database to ``path`` (replaced only when complete)."""
    path = Path(path)
    if path.is_dir():
        raise BackupError(f"{path} is a folder; give the name of the file to write.")
    if not path.parent.is_dir():
        raise BackupError(f"The folder {path.parent} does not exist.")
    which = engine()
    # Written next to the target, then renamed: a backup that stops half-way
    # never leaves a truncated file under the name asked for.
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        if which == "sqlite":
            _sqlite_backup(tmp)
        else:
            _pg_dump(tmp)
        tmp.chmod(0o600)  # it holds everything the database holds
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    return Backup(path=path, engine=which, size=path.stat().st_size)


def restore(path: Path) -> Backup:
    """Replace the database's contents by the backup at ``path``."""
    path = Path(path)
    which = kind_of(path)
    current = engine()
    if which != current:
        raise BackupError(
            f"This backup holds a {_NAMES[which]} database; this installation uses "
            f"{_NAMES[current]}. Restore it into an installation of the same kind."
        )
    if which == "sqlite":
        _sqlite_check(path)
        _sqlite_restore(path)
    else:
        _pg_restore(path)
    connection.close()
    return Backup(path=path, engine=which, size=path.stat().st_size)


_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


# SQLite ---------------------------------------------------------------------


def _raw_sqlite() -> sqlite3.Connection:
    connection.ensure_connection()
    return connection.connection


def _sqlite_backup(target: Path) -> None:
    source = _raw_sqlite()
    with sqlite3.connect(target) as copy:
        # Whole database in one step: a copy made in several steps restarts
        # whenever another connection writes, and may never finish.
        source.backup(copy)
        # A single file: no -wal beside it to lose.
        copy.execute("PRAGMA journal_mode=DELETE")
    copy.close()
    _sqlite_check(target)


def _sqlite_check(path: Path) -> None:
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
            (result,) = db.execute("PRAGMA integrity_check").fetchone()
            tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        db.close()
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{path} is not a readable SQLite database: {error}.") from None
    if result != "ok":
        raise BackupError(f"{path} failed SQLite's integrity check: {result}.")
    if "django_migrations" not in tables:
        raise BackupError(f"{path} is an SQLite database, but not one of Marblejar's.")


def _sqlite_restore(path: Path) -> None:
    target = _raw_sqlite()
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as source:
        # Under one write lock on the live database: other connections see the
        # old contents or the new, never a mixture.
        source.backup(target)
    source.close()
    target.execute("PRAGMA wal_checkpoint(TRUNCATE)")


# PostgreSQL -----------------------------------------------------------------


def _pg_env() -> tuple[list[str], dict[str, str]]:
    settings = connection.settings_dict
    args = []
    if settings.get("HOST"):
        args += ["--host", str(settings["HOST"])]
    if settings.get("PORT"):
        args += ["--port", str(settings["PORT"])]
    if settings.get("USER"):
        args += ["--username", str(settings["USER"])]
    env = dict(os.environ)
    if settings.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings["PASSWORD"])
    return args, env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"{name} was not found on PATH; install PostgreSQL's client programs "
            "of the server's major version."
        )
    return found


def _run(command: list[str], env: dict[str, str]) -> None:
    # The programs are found on PATH by name, their arguments are ours.
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        lines = (done.stderr or done.stdout).strip().splitlines()
        reason = lines[-1] if lines else f"exit status {done.returncode}"
        raise BackupError(f"{Path(command[0]).name} failed: {reason}")


def _pg_dump(target: Path) -> None:
    args, env = _pg_env()
    name = connection.settings_dict["NAME"]
    dump = [_tool("pg_dump"), *args, "--format=custom", "--no-owner", "--file", str(target)]
    _run([*dump, name], env)
    # A dump that pg_restore cannot list is not a backup.
    _run([_tool("pg_restore"), "--list", str(target)], env)


def _pg_restore(path: Path) -> None:
    args, env = _pg_env()
    _run([_tool("pg_restore"), "--list", str(path)], env)
    connection.close()
    name = connection.settings_dict["NAME"]
    # --single-transaction: a restore that fails part-way changes nothing.
    _run(
        [
            _tool("pg_restore"),
            *args,
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            "--dbname",
            name,
            str(path),
        ],
        env,
    )
