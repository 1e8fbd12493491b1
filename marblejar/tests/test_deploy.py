"""The deployment files in docs/deploy.md are real: systemd and nginx accept them.

The files ship in the package (``marblejar/deploy/``); the document shows them
verbatim, and this test checks both that the document and the files agree and
that ``systemd-analyze verify`` and ``nginx -t`` accept the files (with the
install path and the certificates replaced by ones that exist here).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "marblejar" / "deploy"
DOC = ROOT / "docs" / "deploy.md"
FILES = ["marblejar-web.service", "marblejar-worker.service", "nginx.conf", "marblejar.env"]


def run(*command: str) -> subprocess.CompletedProcess:
    return subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603


@pytest.mark.parametrize("name", FILES)
def test_the_document_shows_each_file_as_it_ships(name):
    assert (DEPLOY / name).read_text().strip() in DOC.read_text()


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze is not here")
def test_systemd_accepts_the_units(tmp_path):
    marblejar = Path(sys.executable).with_name("marblejar")
    assert marblejar.exists()
    for name in ("marblejar-web.service", "marblejar-worker.service"):
        text = (
            (DEPLOY / name)
            .read_text()
            .replace("/opt/marblejar/.venv/bin/marblejar", str(marblejar))
        )
        (tmp_path / name).write_text(text)
    done = run("systemd-analyze", "verify", *(str(p) for p in sorted(tmp_path.iterdir())))
    assert done.returncode == 0, done.stderr
    # Unknown keys are only warnings to systemd; here they fail.
    assert done.stderr.strip() == "" and done.stdout.strip() == ""


@pytest.mark.skipif(
    not (shutil.which("nginx") or Path("/usr/sbin/nginx").exists()) and not os.environ.get("CI"),
    reason="nginx is not installed (CI installs it)",
)
def test_nginx_accepts_the_site(tmp_path):
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    made = run(
        "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
        "-subj", "/CN=marblejar.example.com", "-keyout", str(key), "-out", str(cert),
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    site = (
        (DEPLOY / "nginx.conf")
        .read_text()
        .replace("/etc/letsencrypt/live/marblejar.example.com/fullchain.pem", str(cert))
        .replace("/etc/letsencrypt/live/marblejar.example.com/privkey.pem", str(key))
    )
    (tmp_path / "site.conf").write_text(site)
    (tmp_path / "logs").mkdir()
    main = tmp_path / "nginx.conf"
    main.write_text(
        f"pid {tmp_path}/nginx.pid;\n"
        f"error_log {tmp_path}/logs/error.log;\n"
        "events {}\n"
        "http {\n"
        f"  access_log off;\n"
        f"  client_body_temp_path {tmp_path}/body;\n"
        f"  proxy_temp_path {tmp_path}/proxy;\n"
        f"  include {tmp_path}/site.conf;\n"
        "}\n"
    )
    done = run(nginx, "-t", "-p", str(tmp_path), "-c", str(main))
    assert done.returncode == 0, done.stderr
    assert "syntax is ok" in done.stderr and "test is successful" in done.stderr
