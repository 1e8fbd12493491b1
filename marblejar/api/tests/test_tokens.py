from __future__ import annotations

from django.test import Client

from marblejar.accounts.models import ApiToken, hash_token


def test_it_creates_a_token_and_shows_it_once(api_for, personas):
    client = api_for("member")
    response = client.post("/tokens", {"name": "deploy", "read_only": True})
    assert response.status_code == 201
    data = response.json()
    raw = data["token"]
    assert data["read_only"] is True
    assert raw.startswith(data["prefix"])
    assert ApiToken.objects.get(pk=data["id"]).token_hash == hash_token(raw)
    listed = client.get("/tokens").json()
    assert {t["name"] for t in listed} == {"tests", "deploy"}
    assert all("token" not in t for t in listed)
    assert Client(headers={"Authorization": f"Bearer {raw}"}).get("/api/v1/me").status_code == 200


def test_it_revokes_my_token(api_for, personas):
    client = api_for("member")
    created = client.post("/tokens", {"name": "deploy"}).json()
    assert client.delete(f"/tokens/{created['id']}").status_code == 204
    assert not ApiToken.objects.filter(pk=created["id"]).exists()


def test_it_cannot_revoke_someone_elses_token(api_for, personas):
    created = api_for("member").post("/tokens", {"name": "deploy"}).json()
    response = api_for("lead").delete(f"/tokens/{created['id']}")
    assert response.status_code == 404
    assert response.json()["detail"] == "Not found, or not visible to you."
    assert ApiToken.objects.filter(pk=created["id"]).exists()


def test_a_blank_name_is_400(api_for):
    response = api_for("member").post("/tokens", {"name": "   "})
    assert response.status_code == 400
    assert response.json()["errors"]["name"]
