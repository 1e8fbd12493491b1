"""Fixtures for the integration tests: receivers on loopback are allowed here."""

from __future__ import annotations

import pytest

from marblejar.tests.fixtures import fast_password_hashing  # noqa: F401


@pytest.fixture(autouse=True)
def _loopback_allowed(settings):
    # The receivers run on 127.0.0.1, which production refuses (see marblejar/lib/addresses.py).
    settings.INTEGRATIONS_ALLOW_PRIVATE = True
    settings.SITE_URL = "https://marblejar.example.org"
