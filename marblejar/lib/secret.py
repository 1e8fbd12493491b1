"""The generated secret key, kept outside the data folder.

Marblejar seals what people answer anonymously with a key derived from
``SECRET_KEY`` (see :mod:`marblejar.lib.sealing`). A key stored next to the
SQLite file would travel with every copy of the data folder, and whoever held
that copy could read sealed answers from old versions of a row. So when
``MARBLEJAR_SECRET_KEY`` is not set, the key is generated once into a key
folder outside the data folder (``~/.config/marblejar/keys`` by default),
under the name of a random installation id that the data folder keeps.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

INSTALL_ID_FILE = "installation-id"
LEGACY_KEY_FILE = "secret_key"


class KeyLocationError(RuntimeError):
    """The key folder cannot be used; the message says what to set instead."""


def default_key_dir() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "marblejar"


def _write_new(path: Path, content: str) -> str:
    """Create ``path`` with owner-only permissions; if another process won the race, read its."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as f:
        f.write(content)
    return content


def _forget(path: Path) -> None:
    """Overwrite a key file before removing it, so the old bytes do not stay in the folder."""
    size = path.stat().st_size
    with path.open("r+b") as f:
        f.write(b"\0" * size)
        f.flush()
        os.fsync(f.fileno())
    path.unlink()


def installation_id(data_dir: Path) -> str:
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / INSTALL_ID_FILE
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        return _write_new(path, secrets.token_hex(16))


def key_path(*, key_dir: Path, data_dir: Path) -> Path:
    return key_dir / "keys" / f"{installation_id(data_dir)}.key"


def generated_secret_key(*, key_dir: Path, data_dir: Path) -> str:
    """The key of the installation whose data lives in ``data_dir``, created on first use.

    A key that an earlier version left in the data folder is moved to the key
    folder (and overwritten where it was), so sessions and sealed answers of
    pulses that are open stay readable after an upgrade.
    """
    data_dir, key_dir = data_dir.resolve(), key_dir.expanduser().resolve()
    if key_dir == data_dir or data_dir in key_dir.parents:
        raise KeyLocationError(
            f"The key folder ({key_dir}) is inside the data folder ({data_dir}). "
            "Choose a MARBLEJAR_KEY_DIR outside it, or set MARBLEJAR_SECRET_KEY."
        )
    path = key_path(key_dir=key_dir, data_dir=data_dir)
    legacy = data_dir / LEGACY_KEY_FILE
    try:
        if legacy.exists():
            key = _write_new(path, legacy.read_text().strip())
            _forget(legacy)
            return key
        try:
            return path.read_text().strip()
        except FileNotFoundError:
            return _write_new(path, secrets.token_urlsafe(50))
    except OSError as error:
        raise KeyLocationError(
            f"Marblejar keeps its generated secret key outside the data folder, in {key_dir}, "
            f"and could not use it ({error}). Set MARBLEJAR_KEY_DIR to a folder it may write "
            "outside the data folder, or set MARBLEJAR_SECRET_KEY."
        ) from error
