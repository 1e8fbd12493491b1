"""`marblejar serve` as an operator runs it: the address it serves, its processes."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from django.conf import settings

from conftest import database_url_for_subprocess, free_port, start_server
from marblejar.realtime.tests.test_sse import login
from marblejar.test import make_personas

pytestmark = pytest.mark.slow


@pytest.fixture
def fast_password_hashing() -> None:
    """The server process checks passwords with the real settings."""


def test_invitation_links_carry_the_port_actually_served(transactional_db, tmp_path):
    p = make_personas()
    # No MARBLEJAR_SITE_URL, as after `make run PORT=…`.
    server = start_server(tmp_path, extra_env={"MARBLEJAR_SITE_URL": ""})
    try:
        lead = login(server, p.lead.email)
        response = lead.post(
            f"/t/{p.team.slug}/invite/",
            data={"email": "", "role": "member", "csrfmiddlewaretoken": lead.cookies["csrftoken"]},
            headers={"Referer": f"{server.url}/t/{p.team.slug}/"},
        )
        assert response.status_code == 200
        link = re.search(r'id="invite-link">([^<]+)<', response.text).group(1)
        assert link.startswith(f"http://127.0.0.1:{server.port}/join/"), link
        # The link works on that server.
        assert httpx.get(link, timeout=10).status_code == 200
    finally:
        server.stop()


def test_the_site_url_setting_wins_over_the_served_address(transactional_db, tmp_path):
    p = make_personas()
    server = start_server(tmp_path, extra_env={"MARBLEJAR_SITE_URL": "https://jar.example.com"})
    try:
        lead = login(server, p.lead.email)
        response = lead.post(
            f"/t/{p.team.slug}/invite/",
            data={"email": "", "role": "member", "csrfmiddlewaretoken": lead.cookies["csrftoken"]},
            headers={"Referer": f"{server.url}/t/{p.team.slug}/"},
        )
        assert 'id="invite-link">https://jar.example.com/join/' in response.text
    finally:
        server.stop()


def children_of(pid: int) -> set[int]:
    """Every live descendant of ``pid``, read from /proc."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z":
            parents[int(stat.parent.name)] = int(fields[1])
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier}
        found |= frontier
    return found


@pytest.mark.skipif(not Path("/proc").exists(), reason="reads the process tree from /proc")
@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_a_stop_signal_ends_the_server_and_its_worker(transactional_db, tmp_path, stop_signal):
    port = free_port()
    env = serve_environment(tmp_path)
    log = tmp_path / "serve.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "marblejar", "serve", "--no-migrate", "--port", str(port)],
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    children: set[int] = set()
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        # The task worker is running beside the server.
        deadline = time.monotonic() + 15
        while not children_of(process.pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        children = children_of(process.pid)
        assert children, log.read_text()

        started = time.monotonic()
        process.send_signal(stop_signal)
        process.wait(timeout=10)
        assert time.monotonic() - started < 10
        # No orphan: every process it started has ended too.
        deadline = time.monotonic() + 2
        while time.monotonic() < deadline and any(Path(f"/proc/{c}").exists() for c in children):
            time.sleep(0.1)
        left = [c for c in children if alive(c)]
        assert not left, f"left running: {left}\n{log.read_text()}"
        assert metrics_folders(tmp_path) == []
    finally:
        for child in children | children_of(process.pid):
            if alive(child):
                os.kill(child, signal.SIGKILL)
        if process.poll() is None:
            process.kill()


def own_temporary_folder(tmp_path: Path) -> Path:
    """Where a server started with it as TMPDIR makes its temporary folders."""
    folder = tmp_path / "tmp"
    folder.mkdir(exist_ok=True)
    return folder


def serve_environment(tmp_path: Path) -> dict[str, str]:
    """`marblejar serve` on the test database, in-process events, its own temporary folder."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url_for_subprocess(),
        "MARBLEJAR_SECRET_KEY": settings.SECRET_KEY,
        "MARBLEJAR_DATA_DIR": str(settings.DATA_DIR),
        "TMPDIR": str(own_temporary_folder(tmp_path)),
    }
    env.pop("MARBLEJAR_REDIS_URL", None)
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    return env


def metrics_folders(tmp_path: Path) -> list[str]:
    return [p.name for p in own_temporary_folder(tmp_path).glob("marblejar-metrics-*")]


@pytest.mark.parametrize("failure", ["a bad argument", "a database not migrated", "a port in use"])
def test_a_serve_that_fails_before_serving_leaves_no_metrics_folder(
    transactional_db, tmp_path, failure
):
    env = serve_environment(tmp_path)
    args = ["--no-migrate", "--no-worker", "--workers", "2", "--port", str(free_port())]
    with socket.socket() as taken:
        if failure == "a bad argument":
            args[-1] = "eighty"
        elif failure == "a database not migrated":
            env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'empty.sqlite3'}"
        else:
            taken.bind(("127.0.0.1", 0))
            taken.listen()
            args[-1] = str(taken.getsockname()[1])
        ended = subprocess.run(
            [sys.executable, "-m", "marblejar", "serve", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert ended.returncode != 0, ended.stdout + ended.stderr
    assert metrics_folders(tmp_path) == [], ended.stderr[-2000:]


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc").exists(), reason="reads the process tree from /proc")
def test_two_web_processes_are_forked_from_one_loaded_site_and_counted_together(
    transactional_db, tmp_path
):
    """The site is loaded once and the web processes forked from it (not
    started afresh, each importing everything again); each still writes its
    own counters, and /metrics adds up both."""
    server = start_server(tmp_path, workers=2, extra_env={"MARBLEJAR_METRICS_TOKEN": "t0ken"})
    try:
        web = children_of(server.process.pid)
        assert len(web) == 2
        for pid in web:
            command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            assert b"serve" in command, command  # a fork of `serve`, not a fresh start
            assert not any(b"spawn_main" in part for part in command)
        served = 40
        for _ in range(served):  # new connections, spread over both processes
            assert httpx.get(f"{server.url}/healthz", timeout=5).status_code == 200
        metrics = httpx.get(
            f"{server.url}/metrics", headers={"Authorization": "Bearer t0ken"}, timeout=5
        ).text
        counted = sum(
            float(line.rsplit(" ", 1)[1])
            for line in metrics.splitlines()
            if line.startswith("marblejar_requests_total{") and 'route="healthz"' in line
        )
        assert counted >= served
    finally:
        server.stop()
