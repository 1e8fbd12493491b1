"""A real OpenID Connect provider on loopback, for the single sign-on tests.

django-oauth-toolkit with OpenID Connect switched on, in its own process and
its own SQLite file, with an RSA key made when it starts, one registered
client (Marblejar) and the people in ``PEOPLE``. Marblejar is pointed at its
discovery URL exactly as at Keycloak or Entra ID.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

ROOT = Path(__file__).resolve().parents[2]
CLIENT_ID = "marblejar-test-client"
CLIENT_SECRET = "a-client-secret-only-the-tests-know"
PROVIDER_NAME = "Test ID"

# user name: what the provider knows and says about each person.
PEOPLE = {
    "nina": {
        "email": "nina@acme.test",
        "email_verified": True,
        "name": "Nina Newcomer",
        "password": "nina-provider-pass",
    },
    "una": {
        "email": "una@acme.test",
        "email_verified": False,
        "name": "Una Unverified",
        "password": "una-provider-pass",
    },
    "wanda": {
        "email": "wanda@elsewhere.test",
        "email_verified": True,
        "name": "Wanda Elsewhere",
        "password": "wanda-provider-pass",
    },
    # The same address as the Max persona of marblejar.test.
    "max": {
        "email": "Max@Acme.test",
        "email_verified": True,
        "name": "Max at the provider",
        "password": "max-provider-pass",
    },
}


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Provider:
    url: str
    process: subprocess.Popen
    db: Path
    log: Path

    @property
    def issuer(self) -> str:
        return f"{self.url}/o"

    @property
    def discovery_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    def settings(self, **extra) -> dict:
        """Marblejar's settings that point it at this provider."""
        return {
            "OIDC_DISCOVERY_URL": self.discovery_url,
            "OIDC_CLIENT_ID": CLIENT_ID,
            "OIDC_CLIENT_SECRET": CLIENT_SECRET,
            "OIDC_PROVIDER_NAME": PROVIDER_NAME,
            **extra,
        }

    def environment(self, **extra: str) -> dict[str, str]:
        """The same, as environment variables for a `marblejar serve` process."""
        return {
            "MARBLEJAR_OIDC_DISCOVERY_URL": self.discovery_url,
            "MARBLEJAR_OIDC_CLIENT_ID": CLIENT_ID,
            "MARBLEJAR_OIDC_CLIENT_SECRET": CLIENT_SECRET,
            "MARBLEJAR_OIDC_PROVIDER_NAME": PROVIDER_NAME,
            **extra,
        }

    def allow_redirect(self, uri: str) -> None:
        """Register one more redirect URI for the client (a live server's own port)."""
        with sqlite3.connect(self.db) as db:
            db.execute(
                "UPDATE oauth2_provider_application SET redirect_uris = redirect_uris || ' ' || ?"
                " WHERE client_id = ?",
                (uri, CLIENT_ID),
            )

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def start_provider(folder: Path, *, redirect_uris: list[str]) -> Provider:
    folder.mkdir(parents=True, exist_ok=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    key_file = folder / "provider-key.pem"
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    people_file = folder / "people.json"
    people_file.write_text(json.dumps(PEOPLE))
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests_e2e.oidc_provider.settings",
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
        "OIDC_PROVIDER_DB": str(folder / "provider.sqlite3"),
        "OIDC_PROVIDER_KEY": str(key_file),
        "OIDC_PROVIDER_PEOPLE": str(people_file),
        "OIDC_PROVIDER_ISSUER": f"{url}/o",
    }
    for name in ("DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"):
        env.pop(name, None)
    subprocess.run(  # noqa: S603
        [sys.executable, "-m", "tests_e2e.oidc_provider.setup", CLIENT_ID, CLIENT_SECRET]
        + redirect_uris,
        env=env,
        cwd=ROOT,
        check=True,
    )
    log = folder / f"provider-{port}.log"
    process = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "django", "runserver", "--noreload", f"127.0.0.1:{port}"],
        env=env,
        cwd=ROOT,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    provider = Provider(url=url, process=process, db=folder / "provider.sqlite3", log=log)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"The test provider exited:\n{log.read_text()}")
        try:
            if httpx.get(provider.discovery_url, timeout=1).status_code == 200:
                return provider
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    provider.stop()
    raise RuntimeError(f"The test provider did not start:\n{log.read_text()}")


def sign_in_at_provider(authorize_url: str, username: str) -> str:
    """Go through the provider's pages as a browser would; return where it sends us back.

    The provider asks for its own log-in, then (the client is trusted, no
    consent page) redirects to Marblejar's callback with a code and the state.
    """
    password = PEOPLE[username]["password"]
    with httpx.Client(timeout=10) as http:
        response = http.get(authorize_url)
        assert response.status_code == 302, response.text
        login_url = urljoin(authorize_url, response.headers["location"])
        page = http.get(login_url)
        csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        assert csrf, page.text
        response = http.post(
            login_url,
            data={
                "csrfmiddlewaretoken": csrf.group(1),
                "username": username,
                "password": password,
                "next": parse_qs(urlsplit(login_url).query)["next"][0],
            },
        )
        assert response.status_code == 302, response.text
        response = http.get(urljoin(login_url, response.headers["location"]))
        assert response.status_code == 302, response.text
        return response.headers["location"]


@pytest.fixture(scope="module")
def oidc_provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Provider]:
    from django.conf import settings

    provider = start_provider(
        tmp_path_factory.mktemp("oidc-provider"),
        redirect_uris=[settings.SITE_URL + "/login/sso/callback/"],
    )
    yield provider
    provider.stop()
