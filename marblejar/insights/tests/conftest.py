"""Shared fixtures for these tests."""

from marblejar.tests.fixtures import fast_password_hashing  # noqa: F401
