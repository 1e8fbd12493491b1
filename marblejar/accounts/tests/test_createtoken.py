from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from marblejar.accounts.models import ApiToken


def create(*args: str) -> str:
    out = StringIO()
    call_command("createtoken", *args, stdout=out)
    return out.getvalue().strip()


def test_it_prints_a_working_token(personas):
    raw = create("LENA@acme.test", "--name", "deploy")
    response = Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 200
    assert response.json()["email"] == "lena@acme.test"
    token = ApiToken.objects.get()
    assert token.name == "deploy"
    assert not token.read_only


def test_it_prints_a_read_only_token(personas):
    raw = create("lena@acme.test", "--read-only")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert client.get("/api/v1/me").status_code == 200
    response = client.patch("/api/v1/me", {"display_name": "L"}, content_type="application/json")
    assert response.status_code == 403


def test_it_refuses_an_unknown_address(personas):
    with pytest.raises(CommandError, match="No active account for nobody@acme.test"):
        create("nobody@acme.test")
