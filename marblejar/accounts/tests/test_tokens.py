from __future__ import annotations

from django.urls import reverse

from marblejar.accounts.models import ApiToken, hash_token

URL = reverse("accounts:tokens")


def test_it_shows_a_new_token_once_and_stores_only_its_hash(client_for, personas):
    client = client_for("member")
    response = client.post(URL, {"name": "backup script", "read_only": "on"})
    assert response.status_code == 200
    raw = response.context["new_token"]
    assert raw.startswith("mj_")
    assert raw in response.text
    token = ApiToken.objects.get(user=personas.member)
    assert token.read_only
    assert token.token_hash == hash_token(raw)
    assert raw not in {token.token_hash, token.prefix, token.name}
    assert raw.startswith(token.prefix)
    # Shown once: the list shows the name and prefix, never the token again.
    page = client.get(URL)
    assert "backup script" in page.text
    assert token.prefix in page.text
    assert raw not in page.text


def test_a_nameless_token_is_refused_next_to_the_field(client_for, personas):
    response = client_for("member").post(URL, {"name": "   "})
    assert response.context["form"].errors["name"]
    assert response.context["new_token"] is None
    assert not ApiToken.objects.exists()


def test_it_revokes_a_token(client_for, personas):
    client = client_for("member")
    raw = client.post(URL, {"name": "backup"}).context["new_token"]
    token = ApiToken.objects.get()
    response = client.post(reverse("accounts:token_revoke", args=[token.pk]), follow=True)
    assert "The token is revoked." in response.text
    assert not ApiToken.objects.exists()
    api = client_for("anonymous").get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert api.status_code == 401


def test_nobody_else_can_revoke_my_token(client_for, personas):
    client_for("member").post(URL, {"name": "backup"})
    token = ApiToken.objects.get()
    response = client_for("lead").post(reverse("accounts:token_revoke", args=[token.pk]))
    assert response.status_code == 404
    assert ApiToken.objects.filter(pk=token.pk).exists()


def test_it_lists_only_my_tokens(client_for, personas):
    client_for("lead").post(URL, {"name": "lena's script"})
    assert "lena&#x27;s script" not in client_for("member").get(URL).text
    assert "lena&#x27;s script" in client_for("lead").get(URL).text
