"""Hearing back: notifications in the app, by e-mail in batches, and one-click unsubscribe."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from marblejar.notifications import services
from marblejar.notifications.kinds import Channel
from marblejar.notifications.models import Mailbox, Notification
from marblejar.realtime.models import Event
from marblejar.tests.fixtures import fast_password_hashing  # noqa: F401
from marblejar.tests.forensics import run_queued_tasks

# The worker runs for real, as `marblejar worker` would: real commits.
pytestmark = pytest.mark.django_db(transaction=True)


def tell(personas, who, kind="reflection_comment", **params):
    defaults = {"actor": "Mia Member", "title": "I broke the build", "team": "Platform"}
    return services.notify(
        recipients=who,
        kind=kind,
        url="/reflections/1/",
        params={**defaults, **params},
        team=personas.team,
    )


def test_it_tells_each_person_as_they_prefer(personas):
    services.preferences_update(user=personas.member2, channels={"reflection_comment": "off"})
    services.preferences_update(user=personas.lead, channels={"reflection_comment": "in_app"})
    tell(personas, [personas.member, personas.member2, personas.lead])
    by_user = {n.recipient_id: n for n in Notification.objects.all()}
    assert set(by_user) == {personas.member.pk, personas.lead.pk}
    assert by_user[personas.member.pk].by_email and not by_user[personas.lead.pk].by_email
    assert (
        by_user[personas.member.pk].text
        == "Mia Member commented on your reflection “I broke the build”."
    )
    # Each bell is told its new count, on the person's own stream only.
    streams = set(Event.objects.filter(kind="notification").values_list("stream", flat=True))
    assert streams == {f"inbox:{personas.member.pk}", f"inbox:{personas.lead.pk}"}


def test_nothing_is_told_unless_the_change_commits(personas):
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        tell(personas, [personas.member])
        raise RuntimeError("the change fails")
    assert not Notification.objects.exists()
    assert not Event.objects.exists() and not DBTaskResult.objects.exists()


def test_e_mail_comes_at_most_once_an_hour_unless_urgent(personas):
    tell(personas, [personas.member], title="First")
    run_queued_tasks()
    assert len(mail.outbox) == 1
    assert "First" in mail.outbox[0].subject
    # Two more within the hour: held for one e-mail at the end of the hour.
    tell(personas, [personas.member], title="Second")
    tell(personas, [personas.member], title="Third")
    run_queued_tasks()
    assert len(mail.outbox) == 1
    waiting = DBTaskResult.objects.filter(status="READY").order_by("run_after").last()
    assert waiting.run_after >= Mailbox.objects.get(user=personas.member).last_email_at + timedelta(
        minutes=59
    )
    # An urgent kind does not wait, and brings what was held with it.
    tell(personas, [personas.member], kind="pulse_response_due", n=6, due="8 Dec 2026")
    run_queued_tasks()
    assert len(mail.outbox) == 2
    body = mail.outbox[1].body
    assert "Second" in body and "Third" in body and "You see the results first" in body
    assert mail.outbox[1].subject == "3 things to know in Marblejar"
    assert "List-Unsubscribe" in mail.outbox[1].extra_headers


def test_a_held_e_mail_goes_out_at_the_end_of_the_hour(personas):
    Mailbox.objects.create(user=personas.member, last_email_at=timezone.now() - timedelta(hours=2))
    tell(personas, [personas.member])
    run_queued_tasks()
    assert len(mail.outbox) == 1
    Mailbox.objects.filter(user=personas.member).update(
        last_email_at=timezone.now() - timedelta(minutes=61)
    )
    tell(personas, [personas.member], title="Later")
    run_queued_tasks()
    assert len(mail.outbox) == 2


def test_one_click_unsubscribe_works_without_logging_in(personas):
    token = services.unsubscribe_token(user_id=personas.member.pk, kind="reflection_comment")
    url = reverse("notifications:unsubscribe", args=[token])
    anonymous = Client(enforce_csrf_checks=True)
    page = anonymous.get(url)
    assert page.status_code == 200 and "Comments on what you shared" in page.text
    # The mail client's one-click POST (RFC 8058) carries no CSRF token.
    done = anonymous.post(url, {"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200 and "Done" in done.text
    channels = services.channels_for(users=[personas.member], kind="reflection_comment")
    assert channels[personas.member.pk] == Channel.IN_APP
    tell(personas, [personas.member])
    run_queued_tasks()
    assert mail.outbox == []  # still in the app, no longer by e-mail
    assert Notification.objects.filter(recipient=personas.member).exists()


@pytest.mark.parametrize("token", ["forged", "x" * 300])
def test_a_forged_unsubscribe_link_is_refused(client, token):
    response = client.post(reverse("notifications:unsubscribe", args=[token]))
    assert response.status_code == 400 and "not valid" in response.text


def test_an_old_unsubscribe_link_has_expired(personas, client):
    from unittest import mock

    token = services.unsubscribe_token(user_id=personas.member.pk, kind="reflection_comment")
    later = timezone.now() + timedelta(days=61)
    with mock.patch("django.core.signing.time.time", return_value=later.timestamp()):
        response = client.post(reverse("notifications:unsubscribe", args=[token]))
    assert response.status_code == 400 and "expired" in response.text


def test_the_bell_counts_unread_and_the_list_marks_them_read(personas, client_for):
    tell(personas, [personas.member], title="One")
    tell(personas, [personas.member], title="Two")
    member = client_for("member")
    page = member.get(reverse("teams:detail", args=["platform"])).text
    assert '<span class="bell-count">2</span>' in page
    listing = member.get(reverse("notifications:list")).text
    assert "“One”" in listing and "“Two”" in listing
    first = Notification.objects.filter(recipient=personas.member).order_by("id").first()
    member.post(reverse("notifications:mark_read"), {"id": first.pk})
    assert '<span class="bell-count">1</span>' in member.get(reverse("notifications:list")).text
    member.post(reverse("notifications:mark_read"))
    assert 'class="bell-count"' not in member.get(reverse("notifications:list")).text
    # Nobody else sees them.
    assert "“One”" not in client_for("member2").get(reverse("notifications:list")).text


def test_preferences_are_saved_and_a_bad_choice_keeps_the_rest(personas, client_for):
    member = client_for("member")
    url = reverse("notifications:preferences")
    assert member.get(url).status_code == 200
    saved = member.post(url, {"reflection_comment": "off", "weekly_digest": "1"})
    assert saved.status_code == 302
    channels = services.channels_for(users=[personas.member], kind="reflection_comment")
    assert channels[personas.member.pk] == Channel.OFF
    assert Mailbox.objects.get(user=personas.member).weekly_digest
    bad = member.post(url, {"reflection_comment": "pigeon", "pulse_open": "off"})
    assert bad.status_code == 400 and "Choose in the app, by e-mail too, or off." in bad.text
    assert 'name="pulse_open" value="off" id="pulse_open-off" ' in bad.text.replace("\n", " ")


def test_the_api_lists_marks_read_and_sets_preferences(personas, client_for):
    import json

    tell(personas, [personas.member], title="Through the API")
    member = client_for("member")
    listed = member.get("/api/v1/notifications").json()
    assert [n["text"] for n in listed["items"]] == [
        "Mia Member commented on your reflection “Through the API”."
    ]
    assert listed["items"][0]["read"] is False and listed["items"][0]["team"] == "platform"
    assert client_for("member2").get("/api/v1/notifications").json()["items"] == []
    read = member.post("/api/v1/notifications/read", "{}", content_type="application/json")
    assert read.json() == {"marked": 1, "unread": 0}
    bad = member.put(
        "/api/v1/notifications/preferences",
        json.dumps({"channels": {"pulse_open": "carrier pigeon"}}),
        content_type="application/json",
    )
    assert (
        bad.status_code == 400
        and "Choose in the app, by e-mail too, or off." in bad.json()["detail"]
    )
    good = member.put(
        "/api/v1/notifications/preferences",
        json.dumps({"channels": {"pulse_open": "off"}, "weekly_digest": True}),
        content_type="application/json",
    )
    body = good.json()
    assert body["weekly_digest"] is True
    assert {k["kind"]: k["channel"] for k in body["kinds"]}["pulse_open"] == "off"


def test_following_a_notification_marks_it_read(personas, client_for):
    [told] = tell(personas, [personas.member])
    url = reverse("notifications:open", args=[told.pk])
    assert client_for("member2").get(url).status_code == 404  # not theirs
    response = client_for("member").get(url)
    assert response.status_code == 302 and response.url == "/reflections/1/"
    told.refresh_from_db()
    assert told.is_read
