from __future__ import annotations

import pytest
from django.test import Client

from marblejar.accounts.models import ApiToken
from marblejar.accounts.services import token_create, token_revoke


def test_a_token_authenticates_and_only_its_hash_is_stored(personas, django_db_blocker):
    _token, raw = token_create(user=personas.lead, name="script")
    response = Client(headers={"Authorization": f"Bearer {raw}"}).get("/api/v1/me")
    assert response.status_code == 200
    assert response.json()["email"] == personas.lead.email
    stored = ApiToken.objects.values_list("token_hash", "prefix", "name")
    for row in stored:
        assert raw not in row
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM accounts_apitoken")
        dump = repr(cursor.fetchall())
    assert raw not in dump


def test_it_records_when_a_token_was_last_used(api_for, personas):
    client = api_for("lead")
    assert ApiToken.objects.get().last_used_at is None
    client.get("/me")
    assert ApiToken.objects.get().last_used_at is not None


def test_no_credentials_get_401_with_a_readable_detail(client):
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert "Authorization: Bearer" in response.json()["detail"]


@pytest.mark.parametrize("header", ["Bearer mj_not-a-token", "Bearer ", "Basic abc", "mj_x"])
def test_a_bad_token_gets_401(db, header):
    response = Client(headers={"Authorization": header}).get("/api/v1/me")
    assert response.status_code == 401
    assert response.json()["detail"]


def test_a_revoked_token_gets_401(personas):
    token, raw = token_create(user=personas.lead, name="script")
    token_revoke(user=personas.lead, token_id=token.pk)
    response = Client(headers={"Authorization": f"Bearer {raw}"}).get("/api/v1/me")
    assert response.status_code == 401


def test_the_token_of_a_deactivated_account_gets_401(personas):
    _token, raw = token_create(user=personas.lead, name="script")
    personas.lead.is_active = False
    personas.lead.save()
    response = Client(headers={"Authorization": f"Bearer {raw}"}).get("/api/v1/me")
    assert response.status_code == 401


def test_a_read_only_token_may_read(api_for):
    client = api_for("lead", read_only=True)
    assert client.get("/me").status_code == 200
    assert client.get("/teams").status_code == 200


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("PATCH", "/me", {"display_name": "Changed"}),
        ("POST", "/teams/platform/invitations", {"email": ""}),
        ("PATCH", "/teams/platform", {"name": "Changed"}),
        ("DELETE", "/teams/platform/invitations/1", None),
        ("DELETE", "/tokens/1", None),
        ("POST", "/tokens", {"name": "escalate"}),
    ],
)
def test_a_read_only_token_is_refused_on_changes(api_for, personas, method, path, body):
    client = api_for("lead", read_only=True)
    response = client.call(method, path, body)
    assert response.status_code == 403
    assert response.json()["detail"] == (
        "This token is read-only; create a read-write token to make changes."
    )
    personas.lead.refresh_from_db()
    assert personas.lead.display_name == "Lena Lead"
    assert ApiToken.objects.count() == 1


def test_the_browser_session_works_too(client_for):
    assert client_for("member").get("/api/v1/me").status_code == 200
