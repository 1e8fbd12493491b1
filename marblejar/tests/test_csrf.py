"""Django's test client skips CSRF checks; these make sure they are on."""

from __future__ import annotations

import json

from django.test import Client
from django.urls import reverse

from marblejar.accounts.models import ApiToken
from marblejar.accounts.services import token_create
from marblejar.teams.models import Team


def csrf_client(personas, name):
    client = Client(enforce_csrf_checks=True)
    client.force_login(personas.get(name))
    return client


def test_a_form_post_without_a_token_is_refused(personas):
    client = csrf_client(personas, "admin")
    response = client.post(reverse("teams:create"), {"name": "Sneaky"})
    assert response.status_code == 403
    assert not Team.objects.filter(name="Sneaky").exists()


def test_a_form_post_with_the_token_works(personas):
    client = csrf_client(personas, "admin")
    client.get(reverse("teams:list"))
    token = client.cookies["csrftoken"].value
    response = client.post(reverse("teams:create"), {"name": "Fine", "csrfmiddlewaretoken": token})
    assert response.status_code == 302


def test_a_session_authenticated_api_call_without_a_token_is_refused(personas):
    client = csrf_client(personas, "member")
    response = client.post(
        "/api/v1/tokens", json.dumps({"name": "sneaky"}), content_type="application/json"
    )
    assert response.status_code == 403
    assert response.json()["detail"]
    assert not ApiToken.objects.exists()


def test_a_bearer_token_needs_no_csrf_token(personas):
    _token, raw = token_create(user=personas.member, name="script")
    client = Client(enforce_csrf_checks=True, headers={"Authorization": f"Bearer {raw}"})
    response = client.post(
        "/api/v1/tokens", json.dumps({"name": "second"}), content_type="application/json"
    )
    assert response.status_code == 201
