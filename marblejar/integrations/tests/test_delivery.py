"""Deliveries through the real task queue to real receivers on loopback."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from marblejar.integrations import services
from marblejar.integrations.models import Attempt, Delivery, Integration, Status
from marblejar.integrations.tests.helpers import (
    integration,
    let_time_pass,
    run_worker,
    waiting_deliveries,
)
from marblejar.integrations.tests.receivers import receiver, slack_problems, teams_problems
from marblejar.notifications.models import Notification
from marblejar.reflections.services import reflection_create

pytestmark = pytest.mark.django_db(transaction=True)


def publish_mistake(p, title: str = "I skipped the canary") -> None:
    reflection_create(
        author=p.member,
        team=p.team,
        kind="mistake",
        title=title,
        what_happened="I deployed to every region at once.",
        correction="I rolled back and added a canary step.",
        publish=True,
    )


def test_slack_and_teams_receive_posts_in_their_documented_formats(personas):
    with receiver() as slack, receiver() as teams:
        integration(personas, "slack", slack.url)
        integration(personas, "teams", teams.url)
        publish_mistake(personas)
        run_worker()
    assert len(slack.received) == len(teams.received) == 1
    slack_post, teams_post = slack.received[0], teams.received[0]
    assert slack_problems(slack_post.json()) == []
    assert teams_problems(teams_post.json()) == []
    assert "I skipped the canary" in slack_post.json()["text"]
    card = teams_post.json()["attachments"][0]["content"]
    assert card["actions"][0]["url"].startswith("https://marblejar.example.org/reflections/")
    for post in (slack_post, teams_post):
        assert post.headers["content-type"].startswith("application/json")
        assert post.headers["x-marblejar-event"] == "reflection.published"
    assert set(Delivery.objects.values_list("status", flat=True)) == {Status.DELIVERED}
    # Delivered: the log keeps what happened, not what was said.
    assert [d.payload for d in Delivery.objects.all()] == [{}, {}]


def test_nothing_is_posted_about_a_change_that_was_rolled_back(personas):
    from django.db import transaction

    with receiver() as slack:
        integration(personas, "slack", slack.url)
        with pytest.raises(RuntimeError), transaction.atomic():
            publish_mistake(personas)
            raise RuntimeError("the request failed after publishing")
        run_worker()
    assert slack.received == [] and not Delivery.objects.exists()


def test_only_the_chosen_events_go_out(personas):
    with receiver() as slack:
        integration(personas, "slack", slack.url, events=["review.closed"])
        publish_mistake(personas)
        run_worker()
    assert slack.received == [] and not Delivery.objects.exists()


def test_a_failing_receiver_is_retried_with_doubling_waits_until_it_answers(personas, settings):
    settings.INTEGRATIONS_RETRY_SECONDS = 60
    with receiver(statuses=[500, 503]) as hook:
        integration(personas, "webhook", hook.url)
        publish_mistake(personas)
        waits = []
        for _round in range(3):
            before = timezone.now()
            run_worker()
            queued = waiting_deliveries()
            if queued:
                waits.append((queued[0].run_after - before).total_seconds())
            let_time_pass()
    # The first try failed (500): the next waits a minute; that one failed
    # too (503): the next waits two; the third arrived.
    assert len(waits) == 2
    assert 60 <= waits[0] < 70 and 120 <= waits[1] < 130
    assert [r.headers["x-marblejar-delivery"] for r in hook.received] == [
        hook.received[0].headers["x-marblejar-delivery"]
    ] * 3
    delivery = Delivery.objects.get()
    assert delivery.status == Status.DELIVERED and delivery.attempts == 3
    log = list(Attempt.objects.order_by("number").values_list("number", "status_code", "ok"))
    assert log == [(1, 500, False), (2, 503, False), (3, 200, True)]
    assert Integration.objects.get().failures_in_a_row == 0


def test_a_receiver_that_always_fails_pauses_the_integration_and_tells_the_leads(personas):
    with receiver(statuses=[500] * 20) as hook:
        made = integration(personas, "slack", hook.url)
        publish_mistake(personas)
        for _round in range(services.MAX_ATTEMPTS + 2):
            run_worker()
            let_time_pass()
        made.refresh_from_db()
        assert made.is_paused and made.paused_because == "failures"
        assert made.failures_in_a_row == services.PAUSE_AFTER
        assert len(hook.received) == services.PAUSE_AFTER
        assert Delivery.objects.get().status == Status.FAILED
        assert waiting_deliveries() == []
        # While paused, nothing more is even queued.
        publish_mistake(personas, title="Another one")
        run_worker()
        assert len(hook.received) == services.PAUSE_AFTER
        assert Delivery.objects.count() == 1
    notices = Notification.objects.filter(kind="integration_paused")
    assert [n.recipient for n in notices] == [personas.lead]
    assert "is paused" in notices[0].text and "slack channel" in notices[0].text


def test_a_receiver_refusing_for_good_is_not_retried(personas):
    with receiver(statuses=[404]) as hook:
        integration(personas, "slack", hook.url)
        publish_mistake(personas)
        run_worker()
        let_time_pass()
        run_worker()
    assert len(hook.received) == 1
    attempt = Attempt.objects.get()
    assert attempt.status_code == 404 and attempt.error == "HTTP 404: no_service"
    assert Delivery.objects.get().status == Status.FAILED


def test_a_webhook_is_signed_so_that_a_receiver_can_check_it_and_refuse_replays(personas):
    with receiver() as hook:
        made, secret = services.integration_create(
            actor=personas.lead,
            team=personas.team,
            kind="webhook",
            name="Our dashboard",
            url=hook.url,
            events=["reflection.published"],
        )
        publish_mistake(personas)
        run_worker()
    post = hook.received[0]
    # The documented recipe, computed here with the standard library alone.
    timestamp = post.headers["x-marblejar-timestamp"]
    expected = hmac.new(
        secret.encode(), timestamp.encode() + b"." + post.body, hashlib.sha256
    ).hexdigest()
    assert post.headers["x-marblejar-signature"] == f"v1={expected}"
    assert abs(int(timestamp) - time.time()) < 60
    # Another body, or the same body with another time, does not match.
    forged = hmac.new(secret.encode(), b"1." + post.body, hashlib.sha256).hexdigest()
    assert post.headers["x-marblejar-signature"] != f"v1={forged}"
    document = json.loads(post.body)
    assert document["schema"] == "marblejar.webhook/1"
    assert document["id"] == post.headers["x-marblejar-delivery"]
    assert document["event"] == "reflection.published"
    assert document["team"] == {
        "slug": "platform",
        "name": "Platform",
        "url": "https://marblejar.example.org/t/platform/",
    }
    assert document["data"]["reflection"]["author"] == "Max Member"
    assert document["url"].startswith("https://marblejar.example.org/reflections/")
    # The secret is stored sealed, never in the clear.
    stored = Integration.objects.get(pk=made.pk)
    assert secret.encode() not in bytes(stored.secret_sealed)
    assert hook.url.encode() not in bytes(stored.url_sealed)


def test_deleting_an_integration_drops_what_was_waiting(personas):
    with receiver() as hook:
        made = integration(personas, "slack", hook.url)
        publish_mistake(personas)
        services.integration_delete(actor=personas.lead, integration=made)
        run_worker()
    assert hook.received == []


def test_pausing_drops_what_was_waiting_and_resuming_posts_from_the_next_event(personas):
    with receiver() as hook:
        made = integration(personas, "slack", hook.url)
        publish_mistake(personas, title="Before the pause")
        services.integration_pause(actor=personas.lead, integration=made)
        run_worker()
        assert hook.received == []
        assert Delivery.objects.get().status == Status.DROPPED
        services.integration_resume(actor=personas.lead, integration=made)
        publish_mistake(personas, title="After")
        run_worker()
    assert len(hook.received) == 1 and "After" in hook.received[0].json()["text"]


def test_send_a_test_posts_at_once_even_while_paused_and_never_counts_as_a_failure(personas):
    with receiver(statuses=[500]) as hook:
        made = integration(personas, "teams", hook.url)
        services.integration_pause(actor=personas.lead, integration=made)
        failed = services.integration_test(actor=personas.lead, integration=made)
        worked = services.integration_test(actor=personas.lead, integration=made)
    assert (failed.ok, failed.status_code, worked.ok) == (False, 500, True)
    assert teams_problems(hook.received[1].json()) == []
    assert hook.received[1].headers["x-marblejar-event"] == "integration.test"
    made.refresh_from_db()
    assert made.failures_in_a_row == 0 and waiting_deliveries() == []


def test_the_log_keeps_only_the_newest_deliveries(personas, monkeypatch):
    monkeypatch.setattr(services, "LOG_KEEP", 3)
    with receiver() as hook:
        integration(personas, "slack", hook.url)
        for i in range(5):
            publish_mistake(personas, title=f"Mistake {i}")
        run_worker()
    assert len(hook.received) == 5
    assert Delivery.objects.count() == 3
    assert timezone.now() - Delivery.objects.earliest("created_at").created_at < timedelta(hours=1)


def test_the_documented_receiver_accepts_a_real_delivery_and_refuses_a_replay(personas):
    """The Python example of docs/integrations.md, run as written, on what was received."""
    import re
    from pathlib import Path

    docs = Path(__file__).resolve().parents[3] / "docs" / "integrations.md"
    example = next(
        block
        for block in re.findall(r"```python\n(.*?)```", docs.read_text(), re.DOTALL)
        if "def verify" in block
    )
    with receiver() as hook:
        _made, secret = services.integration_create(
            actor=personas.lead,
            team=personas.team,
            kind="webhook",
            name="Dashboard",
            url=hook.url,
            events=["reflection.published"],
        )
        publish_mistake(personas)
        run_worker()
    receiver_code: dict = {}
    exec(example.replace('b"whsec_..."', repr(secret.encode())), receiver_code)  # noqa: S102
    verify = receiver_code["verify"]
    post = hook.received[0]
    headers = {
        name: post.headers[name.lower()]
        for name in ("X-Marblejar-Timestamp", "X-Marblejar-Signature")
    }
    assert verify(headers, post.body)
    assert not verify(headers, post.body.replace(b"skipped", b"did not skip"))
    stale = {**headers, "X-Marblejar-Timestamp": str(int(headers["X-Marblejar-Timestamp"]) - 600)}
    assert not verify(stale, post.body)
