"""Shared fixtures for the API tests: clients that authenticate with a token."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from marblejar.accounts.services import token_create
from marblejar.test import Personas
from marblejar.tests.fixtures import fast_password_hashing  # noqa: F401


class ApiClient:
    """A test client that sends a bearer token and JSON bodies."""

    def __init__(self, raw_token: str | None) -> None:
        headers = {"Authorization": f"Bearer {raw_token}"} if raw_token else {}
        self.client = Client(headers=headers)

    def call(self, method: str, path: str, body: Any = None):
        data = "" if body is None else json.dumps(body)
        return self.client.generic(method, "/api/v1" + path, data, content_type="application/json")

    def get(self, path: str):
        return self.call("GET", path)

    def post(self, path: str, body: Any = None):
        return self.call("POST", path, {} if body is None else body)

    def patch(self, path: str, body: Any = None):
        return self.call("PATCH", path, {} if body is None else body)

    def delete(self, path: str):
        return self.call("DELETE", path)


@pytest.fixture
def api_for(personas: Personas) -> Callable[..., ApiClient]:
    """An API client for the named persona, with a read-write (or read-only) token."""

    def make(name: str, *, read_only: bool = False) -> ApiClient:
        user = personas.get(name)
        if user is None:
            return ApiClient(None)
        _token, raw = token_create(user=user, name="tests", read_only=read_only)
        return ApiClient(raw)

    return make


def pytest_terminal_summary(terminalreporter) -> None:
    from marblejar.api.tests.test_schema import RUN

    if RUN["cases"]:
        statuses = ", ".join(f"{k}: {v}" for k, v in sorted(RUN.items()) if k != "cases")
        terminalreporter.write_line(f"schemathesis: {RUN['cases']} requests ({statuses})")
