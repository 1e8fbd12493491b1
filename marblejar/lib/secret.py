"""A secret key that is generated once and kept with the data."""

from __future__ import annotations

import secrets
from pathlib import Path


def data_dir_secret_key(data_dir: Path) -> str:
    """Return the key stored in ``data_dir``, creating it on first use.

    The file is created with owner-only permissions; `marblejar check` warns
    that production should set MARBLEJAR_SECRET_KEY explicitly.
    """
    path = data_dir / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        data_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(50)
        try:
            with path.open("x") as f:
                path.chmod(0o600)
                f.write(key)
        except FileExistsError:  # another process won the race
            return path.read_text().strip()
        return key
