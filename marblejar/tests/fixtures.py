"""Fixtures shared by the foundation's test folders (imported by their conftest.py)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def fast_password_hashing(settings) -> None:
    # Argon2 is slow on purpose; the personas alone would cost a second a test.
    # Hashing is Django's own code, so a fast hasher loses no coverage here.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
