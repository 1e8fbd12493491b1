"""Fixtures for the pulse tests that use the database."""

from marblejar.tests.fixtures import fast_password_hashing  # noqa: F401
