"""/metrics: what an operator watches, behind a token, never naming a person or a team."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import httpx
import pytest
from django.test import Client, override_settings
from django.utils import timezone

from conftest import start_server
from marblejar.notifications import tasks as notification_tasks
from marblejar.realtime.tests.streams import LiveStream
from marblejar.realtime.tests.test_sse import login
from marblejar.test import PASSWORD, make_personas

TOKEN = "s3cret-metrics-token"


def scrape(client: Client, token: str | None = TOKEN):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.get("/metrics", headers=headers)


def value(text: str, name: str, **labels: str) -> float:
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        metric, _sep, number = line.rpartition(" ")
        found_name, _brace, rest = metric.partition("{")
        found = dict(re.findall(r'(\w+)="([^"]*)"', rest))
        if found_name == name and all(found.get(k) == v for k, v in labels.items()):
            return float(number)
    raise AssertionError(f"{name} {labels} is not in /metrics")


def test_there_is_no_metrics_page_without_a_token_configured(db):
    assert scrape(Client()).status_code == 404


@override_settings(METRICS_TOKEN=TOKEN)
def test_it_answers_only_with_the_token(db):
    assert scrape(Client(), token=None).status_code == 401
    wrong = scrape(Client(), token="guess")
    assert wrong.status_code == 401 and "MARBLEJAR_METRICS_TOKEN" in wrong.text
    assert scrape(Client()).status_code == 200


@override_settings(METRICS_TOKEN=TOKEN)
def test_requests_are_counted_and_timed_per_route_never_per_url(client_for, personas):
    lead = client_for("lead")
    before = scrape(Client()).text
    try:
        start = value(before, "marblejar_requests_total", route="teams:detail", status="2xx")
    except AssertionError:
        start = 0.0
    for _ in range(3):
        assert lead.get("/t/platform/").status_code == 200
    assert lead.get("/t/no-such-team/").status_code == 404
    text = scrape(Client()).text
    assert value(text, "marblejar_requests_total", route="teams:detail", status="2xx") == start + 3
    assert value(text, "marblejar_requests_total", route="teams:detail", status="4xx") >= 1
    assert value(text, "marblejar_request_seconds_count", route="teams:detail") >= start + 4
    # Routes, never addresses: no team slug, no person.
    assert "platform" not in text and "no-such-team" not in text
    assert personas.lead.email not in text and personas.lead.display_name not in text


@override_settings(METRICS_TOKEN=TOKEN)
def test_the_queue_depth_and_age_come_from_the_queue(personas, django_capture_on_commit_callbacks):
    text = scrape(Client()).text
    assert value(text, "marblejar_task_queue_depth") == 0
    assert value(text, "marblejar_task_queue_oldest_seconds") == 0
    with django_capture_on_commit_callbacks(execute=True):
        notification_tasks.send_notification_email.enqueue(user_id=personas.member.pk)
        later = timezone.now() + timedelta(hours=1)
        notification_tasks.send_notification_email.using(run_after=later).enqueue(
            user_id=personas.lead.pk
        )
    time.sleep(0.05)
    text = scrape(Client()).text
    assert value(text, "marblejar_task_queue_depth") == 1  # the later one is not due
    assert value(text, "marblejar_task_queue_oldest_seconds") > 0


@override_settings(METRICS_TOKEN=TOKEN, AXES_ENABLED=True)
def test_locked_out_log_ins_are_counted(personas):
    from django.conf import settings

    browser = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        browser.post("/login/", {"username": personas.member.email, "password": "wrong"})
    assert value(scrape(Client()).text, "marblejar_login_lockouts") == 1
    assert PASSWORD  # the right one would not have helped: the identity is locked


@pytest.mark.slow
def test_open_live_streams_are_counted_by_a_real_server(transactional_db, tmp_path):
    p = make_personas()
    server = start_server(tmp_path, extra_env={"MARBLEJAR_METRICS_TOKEN": TOKEN})
    try:

        def get() -> str:
            headers = {"Authorization": f"Bearer {TOKEN}"}
            return httpx.get(f"{server.url}/metrics", headers=headers).text

        assert value(get(), "marblejar_live_streams") == 0
        with LiveStream(login(server, p.member.email), f"/t/{p.team.slug}/events/") as stream:
            assert stream.opened.wait(10)
            assert value(get(), "marblejar_live_streams") == 1
        deadline = time.monotonic() + 10
        while value(get(), "marblejar_live_streams") != 0 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert value(get(), "marblejar_live_streams") == 0
    finally:
        server.stop()


@pytest.mark.slow
def test_two_web_processes_report_their_requests_together(transactional_db, tmp_path):
    make_personas()
    server = start_server(tmp_path, workers=2, extra_env={"MARBLEJAR_METRICS_TOKEN": TOKEN})
    headers = {"Authorization": f"Bearer {TOKEN}"}
    try:
        # New connections each time: the kernel spreads them over both processes.
        for _ in range(40):
            assert httpx.get(f"{server.url}/login/").status_code == 200
        scrapes = [httpx.get(f"{server.url}/metrics", headers=headers).text for _ in range(6)]
        # Whichever process answers, it counts the requests of both.
        counts = {
            value(t, "marblejar_requests_total", route="accounts:login", status="2xx")
            for t in scrapes
        }
        assert counts == {40}
    finally:
        server.stop()
