from __future__ import annotations

from django.urls import reverse


def test_it_reports_the_database_as_healthy(client, db):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    data = response.json()
    assert data["ok"] is True
    assert data["checks"]["database"]["ok"] is True
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_it_reports_redis_only_when_configured(client, db, settings):
    settings.REDIS_URL = ""
    assert "redis" not in client.get(reverse("healthz")).json()["checks"]


def test_an_unreachable_redis_makes_it_unhealthy(client, db, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    data = response.json()
    assert data["ok"] is False
    assert data["checks"]["redis"]["ok"] is False
    assert data["checks"]["database"]["ok"] is True


def test_it_needs_no_login(client, db):
    assert client.get(reverse("healthz")).status_code == 200


def test_it_reuses_one_redis_client(client, db, settings):
    from marblejar import views

    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # unreachable: the client is built all the same
    views.redis_client.cache_clear()
    for _ in range(3):
        assert client.get(reverse("healthz")).status_code == 503
    assert views.redis_client.cache_info().misses == 1
