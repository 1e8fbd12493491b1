from __future__ import annotations

import json

from django.urls import reverse

from marblejar.notifications.models import Mailbox, Notification, Preference
from marblejar.portability.registry import REGISTRY
from marblejar.portability.tests.scene import make_scene

URL = reverse("accounts:export")


def download(client_for, name: str) -> dict:
    response = client_for(name).get(URL)
    assert response.status_code == 200
    return json.loads(response.content)


def test_it_holds_every_section_the_registry_lists_for_a_person(client_for, personas):
    data = download(client_for, "member")
    for kind in REGISTRY:
        if kind.personal:
            assert kind.personal in data, kind.model


def test_it_says_which_pulses_i_answered_and_never_what(client_for, personas):
    scene = make_scene(personas)
    data = download(client_for, "member")
    assert [p["pulse"] for p in data["pulse_participations"]] == [
        scene.shown_pulse.title,
        scene.hidden_pulse.title,
    ]
    assert set(data["pulse_participations"][0]) == {"pulse", "team", "opened", "closes"}
    text = json.dumps(data)
    assert "Mistakes are held against you." not in text  # Max's own comment
    assert "Only two." not in text


def test_someone_who_did_not_answer_has_no_participation(client_for, personas):
    make_scene(personas)
    assert download(client_for, "other")["pulse_participations"] == []


def test_it_holds_my_reviews_actions_and_notifications(client_for, personas):
    make_scene(personas)
    Notification.objects.create(
        organization=personas.org,
        recipient=personas.member2,
        kind="pulse_open",
        params={},
        url="/t/platform/pulses/",
    )
    Preference.objects.create(user=personas.member2, kind="pulse_open", channel="email")
    Mailbox.objects.create(user=personas.member2, weekly_digest=True)
    data = download(client_for, "member2")
    assert [r["review"] for r in data["review_participations"]] == ["Sprint 12"]
    assert [a["action"] for a in data["actions"]] == ["Tune alerts"]
    assert data["actions"][0]["owner"] is True
    assert [n["url"] for n in data["notifications"]] == ["/t/platform/pulses/"]
    assert data["notification_settings"]["channels"] == {"pulse_open": "email"}
    assert data["notification_settings"]["weekly_digest"] is True
    # Other people's notifications stay theirs.
    assert download(client_for, "member")["notifications"] == []
