"""What `marblejar serve` does before it answers: the migrations check, the API loaded late."""

from __future__ import annotations

import os
import subprocess
import sys

from django.db import connection
from django.db.migrations.recorder import MigrationRecorder
from django.urls import reverse

from marblejar.accounts.management.commands.serve import migrations_pending


def test_it_sees_nothing_to_migrate_when_every_migration_is_recorded(db):
    assert migrations_pending() is False


def test_it_sees_a_migration_file_not_yet_recorded(db):
    MigrationRecorder(connection).migration_qs.filter(
        app="reflections", name="0001_initial"
    ).delete()
    assert migrations_pending() is True


def test_the_api_answers_though_it_is_mounted_by_name(client, db):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert "marblejar.api.api" in sys.modules
    assert reverse("api:openapi-json") == "/api/v1/openapi.json"


# Loaded by the first request that needs them, never by a process's start:
# the API (django-ninja and pydantic), the statistics (NumPy), the outgoing
# HTTP clients (httpx; Authlib with requests, joserfc and cryptography's
# X.509 and primitives for the single sign-on), and WebSocket libraries
# (`serve` speaks HTTP only). (The Redis client imports cryptography's
# top-level package, a few lines, to know whether it is installed.)
NOT_AT_START = (
    "marblejar.api.api",
    "ninja",
    "pydantic",
    "numpy",
    "httpx",
    "authlib",
    "requests",
    "joserfc",
    "cryptography.hazmat",
    "cryptography.x509",
    "websockets",
    "wsproto",
)


def test_a_page_loads_neither_the_api_nor_numpy_nor_http_clients(tmp_path):
    """The first answers of a fresh process do not wait for the API's schemas, NumPy,
    the HTTP clients or a WebSocket library: what `serve` loads before it forks its
    web processes, then the health check and the log-in page."""
    code = (
        "import sys, django; django.setup()\n"
        "from django.core.management import call_command\n"
        "call_command('migrate', verbosity=0)\n"
        "from marblejar.accounts.management.commands.serve import load_site\n"
        "load_site()\n"
        "from django.test import Client\n"
        "assert Client().get('/healthz').status_code == 200\n"
        "assert Client().get('/login/').status_code == 200\n"
        f"print(sorted(m for m in {NOT_AT_START!r} if m in sys.modules))\n"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "marblejar.settings",
        "MARBLEJAR_DATA_DIR": str(tmp_path),
        "MARBLEJAR_ALLOWED_HOSTS": "testserver",
        "MARBLEJAR_LOG_LEVEL": "WARNING",
    }
    env.pop("DATABASE_URL", None)
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_django_set_up_imports_no_feature_views(tmp_path):
    """Every command and the task worker set Django up: the team page's panels
    (each feature's views) are registered by path and imported by the first team page."""
    panels = (
        "marblejar.integrations.views",
        "marblejar.jar.views",
        "marblejar.pulse.panels",
        "marblejar.reflections.views",
        "marblejar.reviews.views",
        "marblejar.trackers.views",
    )
    code = (
        "import sys, django; django.setup()\n"
        f"print(sorted(m for m in {panels!r} if m in sys.modules))\n"
        "from marblejar.teams.panels import team_page_panels\n"
        "print(len(team_page_panels()))\n"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "marblejar.settings",
        "MARBLEJAR_DATA_DIR": str(tmp_path),
    }
    env.pop("DATABASE_URL", None)
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["[]", str(len(panels))]
